package dev.tbar.unlearn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.tbar.eval.Evaluator;
import dev.tbar.invert.TinyBackdoor;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainConfig.Optim;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The tempered trigger fine-tuning on the planted backdoor, with the default SGD fine-tuning: at T = 4 (the default)
 * the loss does not collapse to ~0 as the paper's cross-entropy does (tbar-untempered) on a model that already obeys
 * the trigger, and tau removes the backdoor within the CA floor.
 */
class TbarTemperedTest {
    static final ImageClassifier MODEL = TinyBackdoor.model();

    @Test
    void temperedTauRemovesThePlantedBackdoor() {
        TinyBackdoor.Defender d = TinyBackdoor.Defender.create();
        assertEquals(4, Tbar.Config.defaults().temperature(), "tempered by default");
        // the default trigger fine-tuning (short SGD run); TinyBackdoor's AdamW run would drive even the tempered loss
        // to ~0 (README, tbar.temperature)
        TrainConfig ft = Tbar.Config.defaults().finetune();
        assertEquals(List.of(Optim.SGD, 0.01, 2, false), List.of(ft.optimizer(), ft.lr(), ft.epochs(), ft.trainMode()));
        DefenseSettings settings = d.defenses(TriggerInversion.SECTION.defaults(), null).with("tbar.temperature=4",
                "tbar.finetune.optimizer=sgd", "tbar.finetune.lr=0.01", "tbar.finetune.epochs=2",
                "tbar.finetune.train_mode=false");
        try (NDManager m = NDManager.newBaseManager();
                StateDict bd = TinyBackdoor.train(MODEL, m, TinyBackdoor.data(500, 1), true)) {
            DefenseContext ctx = d.knownTrigger(MODEL, bd, 5);
            double ca = Evaluator.accuracy(MODEL, bd, d.test());
            assertTrue(Evaluator.accuracy(MODEL, bd, d.testTriggered()) > 0.9, "the backdoor is planted");
            DefenseOutcome plain = Defenses.create("tbar-untempered", settings).apply(ctx);
            plain.cleaned().close();
            DefenseOutcome out = Defenses.create("tbar", settings).apply(ctx);
            try (StateDict w = out.cleaned()) {
                double plainLoss = ((Tbar.Details) plain.details()).finetune().finalLoss();
                Tbar.Details details = (Tbar.Details) out.details();
                assertTrue(details.finetune().finalLoss() > 10 * plainLoss,
                        "tempered loss " + details.finetune().finalLoss() + " against plain " + plainLoss);
                assertTrue(details.alpha() > 0, details.toString());
                assertTrue(Evaluator.accuracy(MODEL, w, d.testTriggered()) < 0.2, "backdoor removed");
                assertTrue(Evaluator.accuracy(MODEL, w, d.test()) >= 0.85 * ca, "clean task kept");
            }
        }
    }
}
