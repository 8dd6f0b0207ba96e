package dev.tbar.unlearn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.tbar.eval.Evaluator;
import dev.tbar.invert.TinyBackdoor;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * tbar-unlearn-vector and tbar (the combined vector) on the planted backdoor: the vector of an unlearning run (the
 * defender's images with and without the trigger, true labels), alone or with the trigger vector, removes the backdoor
 * within the CA floor at a validated alpha; tbar-best returns whichever of the trigger and the combined vector
 * validation prefers.
 */
class TbarVectorTest {
    static final ImageClassifier MODEL = TinyBackdoor.model();

    @ParameterizedTest
    @CsvSource({"tbar-unlearn-vector, 2", "tbar, 3"})
    void theUnlearningVectorRemovesThePlantedBackdoor(String defense, int fineTunedPerImage) {
        Tbar.Details details = removesThePlantedBackdoor(defense);
        assertEquals(fineTunedPerImage * details.imagesUsed(), details.triggerSetSize(),
                "each image with and without trigger (and in the trigger set, combined)");
    }

    @Test
    void validationPicksTheTriggerOrTheCombinedVector() {
        Tbar.Details details = removesThePlantedBackdoor("tbar-best");
        Tbar.VectorChoice choice = details.vectorChoice();
        boolean combined = choice.vectorChosen().equals("combined");
        AlphaPoint won = combined ? choice.combinedValidation() : choice.triggerValidation();
        AlphaPoint lost = combined ? choice.triggerValidation() : choice.combinedValidation();
        assertEquals(won, details.validation(), "the details are the winner's");
        assertFalse(TbarEither.better(lost, won), choice.toString());
        assertEquals((combined ? 3 : 1) * details.imagesUsed(), details.triggerSetSize());
    }

    private static Tbar.Details removesThePlantedBackdoor(String defense) {
        TinyBackdoor.Defender d = TinyBackdoor.Defender.create();
        DefenseSettings settings = d.defenses(TriggerInversion.SECTION.defaults(), null);
        try (NDManager m = NDManager.newBaseManager();
                StateDict bd = TinyBackdoor.train(MODEL, m, TinyBackdoor.data(500, 1), true)) {
            double ca = Evaluator.accuracy(MODEL, bd, d.test());
            assertTrue(Evaluator.accuracy(MODEL, bd, d.testTriggered()) > 0.9, "the backdoor is planted");
            DefenseOutcome out = Defenses.create(defense, settings).apply(d.knownTrigger(MODEL, bd, 5));
            try (StateDict w = out.cleaned()) {
                Tbar.Details details = (Tbar.Details) out.details();
                assertTrue(details.alpha() > 0, details.toString());
                double asr = Evaluator.accuracy(MODEL, w, d.testTriggered());
                double after = Evaluator.accuracy(MODEL, w, d.test());
                assertTrue(asr < 0.2, "backdoor removed: ASR " + asr);
                assertTrue(after >= 0.85 * ca, "clean task kept: " + ca + " -> " + after);
                return details;
            }
        }
    }
}
