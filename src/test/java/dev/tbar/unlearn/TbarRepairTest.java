package dev.tbar.unlearn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.tbar.eval.Evaluator;
import dev.tbar.TbarException;
import dev.tbar.invert.TinyBackdoor;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import dev.tbar.taskvector.TaskVector;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * tbar-repair's rule on the planted backdoor, with tau the implant's own direction (theta_bd - theta_clean): it
 * subtracts the smallest alpha of the sweep that reaches the ASR target (never less than TBAR's), repairs by
 * fine-tuning on defender images of which a share carry the trigger with their true labels, and keeps the result only
 * when validation says it beats TBAR's choice.
 */
class TbarRepairTest {
    static final ImageClassifier MODEL = TinyBackdoor.model();

    @Test
    void repairsAStrongerSubtractionAndKeepsItOnlyWhenValidationSaysItIsBetter() {
        TinyBackdoor.Defender d = TinyBackdoor.Defender.create();
        TbarRepair.Config repair = TbarRepair.SECTION.with("train.epochs=3", "train.batch_size=16");
        List<AlphaPoint> sweep = List.of(new AlphaPoint(0.25, 0.95, 0.8), new AlphaPoint(1, 0.5, 0.0));
        try (NDManager m = NDManager.newBaseManager();
                StateDict clean = TinyBackdoor.train(MODEL, m, TinyBackdoor.data(500, 1), false);
                StateDict bd = TinyBackdoor.train(MODEL, m, TinyBackdoor.data(500, 1), true);
                TaskVector tau = TaskVector.between(clean, bd)) {
            DefenseContext ctx = d.knownTrigger(MODEL, bd, 5);
            // TBAR kept alpha 0.25 with 80% validation ASR left: the repair subtracts alpha 1 and fine-tunes
            TbarRepair.Attempt a = TbarRepair.attempt(ctx, repair, tau, sweep, sweep.get(0), 0.9, null);
            try (StateDict w = a.weights()) {
                assertEquals(1.0, a.report().repairAlpha());
                assertTrue(a.report().repairUsed(), a.report().toString());
                assertTrue(a.report().repaired().ca() >= 0.9 && a.report().repaired().asr() < 0.8);
                assertTrue(Evaluator.accuracy(MODEL, w, d.testTriggered()) < 0.2, "the backdoor is gone");
            }
            // TBAR already at 0% validation ASR and 100% CA: the repaired model cannot beat it and is dropped
            TbarRepair.Attempt none = TbarRepair.attempt(ctx, repair, tau, sweep, new AlphaPoint(0.25, 1.0, 0),
                    0.9, null);
            assertNull(none.weights());
            assertFalse(none.report().repairUsed());
            // TBAR's alpha is already past the target: the repair starts from it, not from a weaker subtraction
            TbarRepair.Attempt past = TbarRepair.attempt(ctx, repair, tau, sweep, new AlphaPoint(2, 0.5, 0.1), 0.4,
                    null);
            try (StateDict w = past.weights()) {
                assertEquals(2.0, past.report().repairAlpha());
                assertTrue(past.report().repairUsed(), past.report().toString());
            }
        }
        assertEquals(List.of("tbar", "tbar_repair"), Defenses.sectionsOf("tbar-repair"));
        assertEquals(0.2, TbarRepair.SECTION.defaults().triggeredFraction());
        TbarException e = assertThrows(TbarException.class, () -> TbarRepair.SECTION.with("triggered_fraction=1.5"));
        assertTrue(e.getMessage().contains("tbar_repair.triggered_fraction"), e.getMessage());
    }
}
