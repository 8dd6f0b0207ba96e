package dev.tbar.unlearn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.tbar.eval.Evaluator;
import dev.tbar.invert.TinyBackdoor;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import dev.tbar.taskvector.Fisher;
import dev.tbar.taskvector.TaskVector;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * tbar-fisher on the planted backdoor: the clean Fisher information covers every parameter, is non-negative, and the damped trigger vector still removes the backdoor within the CA floor.
 */
class TbarFisherTest {
    static final ImageClassifier MODEL = TinyBackdoor.model();

    @Test
    void fisherDampedTauRemovesThePlantedBackdoor() {
        TinyBackdoor.Defender d = TinyBackdoor.Defender.create();
        DefenseSettings settings = d.defenses(TriggerInversion.SECTION.defaults(), null)
                .with(TbarFisher.SECTION, TbarFisher.SECTION.with("strength=10"));
        try (NDManager m = NDManager.newBaseManager();
                StateDict bd = TinyBackdoor.train(MODEL, m, TinyBackdoor.data(500, 1), true)) {
            try (TaskVector f = Fisher.diagonal(MODEL, bd, d.clean(), 8)) {
                assertEquals(bd.parameterNames(), f.names());
                for (String n : f.names()) {
                    assertEquals(bd.get(n).getShape(), f.get(n).getShape(), n);
                    assertTrue(f.get(n).min().getFloat() >= 0, n);
                }
                assertTrue(f.norm() > 0);
            }
            DefenseContext ctx = d.knownTrigger(MODEL, bd, 5);
            double ca = Evaluator.accuracy(MODEL, bd, d.test());
            assertTrue(Evaluator.accuracy(MODEL, bd, d.testTriggered()) > 0.9, "the backdoor is planted");
            DefenseOutcome out = Defenses.create("tbar-fisher", settings).apply(ctx);
            try (StateDict w = out.cleaned()) {
                Tbar.Details details = (Tbar.Details) out.details();
                assertTrue(details.alpha() > 0, details.toString());
                assertTrue(Evaluator.accuracy(MODEL, w, d.testTriggered()) < 0.2, "backdoor removed");
                assertTrue(Evaluator.accuracy(MODEL, w, d.test()) >= 0.85 * ca, "clean task kept");
            }
        }
        assertEquals(List.of("tbar", "tbar_fisher"), Defenses.sectionsOf("tbar-fisher"));
    }
}
