package dev.tbar.unlearn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.tbar.attack.Poisoning;
import dev.tbar.eval.Evaluator;
import dev.tbar.invert.TinyBackdoor;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import org.junit.jupiter.api.Test;

/** tbar-either runs TBAR with both vectors and returns the one validation prefers. */
class TbarEitherTest {
    static final ImageClassifier MODEL = TinyBackdoor.model();

    @Test
    void returnsTheVectorWithTheLowerValidationAsr() {
        TinyBackdoor.Defender d = TinyBackdoor.Defender.create();
        DefenseSettings settings = d.defenses(TriggerInversion.SECTION.defaults(), null);
        try (NDManager m = NDManager.newBaseManager();
                StateDict bd = TinyBackdoor.train(MODEL, m, TinyBackdoor.data(500, 1), true)) {
            DefenseOutcome out = Defenses.create(TbarEither.NAME, settings).apply(d.knownTrigger(MODEL, bd, 5));
            try (StateDict w = out.cleaned()) {
                TbarEither.Details details = (TbarEither.Details) out.details();
                Tbar.Details chosen = details.chosen().equals("unlearn") ? details.unlearn() : details.trigger();
                Tbar.Details other = chosen == details.unlearn() ? details.trigger() : details.unlearn();
                assertFalse(TbarEither.better(other.validation(), chosen.validation()), details.toString());
                assertEquals(details.trigger().finetune().steps() + details.unlearn().finetune().steps(), out.steps());
                assertEquals(chosen.validation().asr(), Evaluator.accuracy(MODEL, w,
                        Poisoning.triggeredTestSet(d.validation(), TinyBackdoor.patch(), TinyBackdoor.TARGET)), 1e-9,
                        "the returned weights are the chosen run's");
                assertTrue(Evaluator.accuracy(MODEL, w, d.testTriggered()) < 0.2, "backdoor removed");
            }
        }
        // the rule: lower ASR wins, ties go to the higher CA, a run that kept no alpha (NaN ASR) loses
        assertTrue(TbarEither.better(new AlphaPoint(1, 0.7, 0.01), new AlphaPoint(1, 0.9, 0.02)));
        assertTrue(TbarEither.better(new AlphaPoint(1, 0.9, 0.02), new AlphaPoint(1, 0.8, 0.02)));
        assertTrue(TbarEither.better(new AlphaPoint(1, 0.5, 0.9), new AlphaPoint(0, 0.9, Double.NaN)));
        assertFalse(TbarEither.better(new AlphaPoint(0, 0.9, Double.NaN), new AlphaPoint(1, 0.5, 0.9)));
    }
}
