package dev.tbar.unlearn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.tbar.eval.Evaluator;
import dev.tbar.invert.TinyBackdoor;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import org.junit.jupiter.api.Test;

/**
 * tbar-unlearn-vector on the planted backdoor: the vector of an unlearning run (the defender's images with and without
 * the trigger, true labels) is added with a validated alpha, and it removes the backdoor within the CA floor.
 */
class TbarUnlearnVectorTest {
    static final ImageClassifier MODEL = TinyBackdoor.model();

    @Test
    void addingTheUnlearningVectorRemovesThePlantedBackdoor() {
        TinyBackdoor.Defender d = TinyBackdoor.Defender.create();
        DefenseSettings settings = d.defenses(TriggerInversion.SECTION.defaults(), null);
        try (NDManager m = NDManager.newBaseManager();
                StateDict bd = TinyBackdoor.train(MODEL, m, TinyBackdoor.data(500, 1), true)) {
            double ca = Evaluator.accuracy(MODEL, bd, d.test());
            assertTrue(Evaluator.accuracy(MODEL, bd, d.testTriggered()) > 0.9, "the backdoor is planted");
            DefenseOutcome out = Defenses.create("tbar-unlearn-vector", settings).apply(d.knownTrigger(MODEL, bd, 5));
            try (StateDict w = out.cleaned()) {
                Tbar.Details details = (Tbar.Details) out.details();
                assertTrue(details.alpha() > 0, details.toString());
                assertTrue(details.triggerSetSize() == 2 * details.imagesUsed(), "each image with and without trigger");
                double asr = Evaluator.accuracy(MODEL, w, d.testTriggered());
                double after = Evaluator.accuracy(MODEL, w, d.test());
                assertTrue(asr < 0.2, "backdoor removed: ASR " + asr);
                assertTrue(after >= 0.85 * ca, "clean task kept: " + ca + " -> " + after);
            }
        }
    }
}
