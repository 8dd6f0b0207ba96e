package dev.tbar.invert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.tbar.TbarException;
import dev.tbar.attack.InvertedTrigger;
import dev.tbar.attack.Poisoning;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.eval.Evaluator;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import dev.tbar.unlearn.TriggerInversion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Neural Cleanse on a tiny MLP with and without a planted 3x3 patch backdoor (see {@link TinyBackdoor}). */
class NeuralCleanseTest {
    static final ImageClassifier MODEL = TinyBackdoor.model();
    static final NeuralCleanse.Config NC = TriggerInversion.SECTION.with("images=60", "steps=100", "batch_size=24",
            "lr=0.1", "initial_lambda=1e-3", "success_threshold=0.95", "patience=5");
    static NDManager manager;
    static StateDict backdoored;
    static StateDict clean;
    static InMemoryDataset defender = TinyBackdoor.data(100, 2);
    private static NeuralCleanse.Result backdoorScan;

    @BeforeAll
    static void train() {
        manager = NDManager.newBaseManager();
        InMemoryDataset train = TinyBackdoor.data(500, 1);
        backdoored = TinyBackdoor.train(MODEL, manager, train, true);
        clean = TinyBackdoor.train(MODEL, manager, train, false);
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void findsThePlantedTargetAndItsPatch() {
        double ca = Evaluator.accuracy(MODEL, backdoored, defender);
        double asr = Evaluator.accuracy(MODEL, backdoored, Poisoning.triggeredTestSet(defender, TinyBackdoor.patch(),
                TinyBackdoor.TARGET));
        assertTrue(ca > 0.9 && asr > 0.9, "the planted backdoor takes: CA " + ca + " ASR " + asr);

        NeuralCleanse.Result r = backdoorScan();
        assertEquals(TinyBackdoor.TARGET, r.detectedTarget());
        assertTrue(r.smallestAnomalyIndex() > 2, "anomaly index " + r.smallestAnomalyIndex());
        NeuralCleanse.ClassResult c = r.of(TinyBackdoor.TARGET);
        assertTrue(c.success() > 0.6, "the inverted trigger sends most images to the target: " + c.success());
        boolean[] patch = TinyBackdoor.patchRegion();
        double inside = 0;
        for (int i = 0; i < patch.length; i++) {
            inside += patch[i] ? c.mask()[i] : 0;
        }
        System.out.printf("  mask mass inside the patch: %.2f of %.2f%n", inside, c.maskL1());
        assertTrue(inside > 0.5 * c.maskL1(), "most mask mass on the patch: " + inside + " of " + c.maskL1());

        // The inverted trigger behaves like a known one: applied by the attack code, the model follows it.
        InvertedTrigger t = r.trigger(TinyBackdoor.TARGET);
        double viaTrigger = Evaluator.accuracy(MODEL, backdoored, Poisoning.triggeredTestSet(defender, t,
                TinyBackdoor.TARGET));
        assertEquals(c.success(), viaTrigger, 0.02, "tensor and per-image application agree");
    }

    /**
     * On the clean tiny model every class needs about the same mask (all five classes are the same 4x4 block at a
     * different place), so the MAD is tiny and the anomaly index only measures optimisation noise: in one run the
     * norms were 10.5..11.9 and the smallest had index 4.4. What must hold is that no class needs a much smaller
     * mask than the others, unlike the backdoor's (about half the median there).
     */
    @Test
    void noClassStandsOutOnACleanModel() {
        NeuralCleanse.Result r = run(clean);
        double min = r.of(r.smallest()).maskL1();
        assertTrue(min > 0.8 * r.medianNorm(), "smallest norm " + min + " vs median " + r.medianNorm());
        NeuralCleanse.Result bd = backdoorScan();
        assertTrue(bd.of(bd.smallest()).maskL1() < 0.7 * bd.medianNorm());
    }

    @Test
    void anomalyIndexUsesTheScaledMedianAbsoluteDeviation() {
        // median 10, |dev| = {8, 1, 0, 1, 2} -> MAD 1, scale 1.4826
        double[] idx = NeuralCleanse.anomalyIndices(new double[] {2, 9, 10, 11, 12});
        assertArrayEquals(new double[] {8 / 1.4826, 1 / 1.4826, 0, -1 / 1.4826, -2 / 1.4826}, idx, 1e-12);
        assertEquals(Double.POSITIVE_INFINITY, NeuralCleanse.anomalyIndices(new double[] {1, 5, 5})[0]);
    }

    @Test
    void invalidSettingsNameTheirKey() {
        assertMessage("invert.steps", () -> TriggerInversion.SECTION.with("steps=0"));
        assertMessage("invert.batch_size", () -> TriggerInversion.SECTION.with("batch_size=0"));
        assertMessage("invert.images", () -> TriggerInversion.SECTION.with("images=-1"));
        assertMessage("invert.lr", () -> TriggerInversion.SECTION.with("lr=0"));
        assertMessage("invert.initial_lambda", () -> TriggerInversion.SECTION.with("initial_lambda=-1"));
        assertMessage("invert.success_threshold", () -> TriggerInversion.SECTION.with("success_threshold=1.5"));
        assertMessage("invert.patience", () -> TriggerInversion.SECTION.with("patience=0"));
        NeuralCleanse.Config bad = TriggerInversion.SECTION.with("steps=5", "batch_size=8", "classes=[7]");
        assertMessage("invert.classes", () -> NeuralCleanse.run(MODEL, clean, defender, bad));
    }

    static void assertMessage(String key, org.junit.jupiter.api.function.Executable e) {
        TbarException ex = assertThrows(TbarException.class, e);
        assertTrue(ex.getMessage().contains(key), ex.getMessage());
    }

    static synchronized NeuralCleanse.Result backdoorScan() {
        if (backdoorScan == null) {
            backdoorScan = run(backdoored);
        }
        return backdoorScan;
    }

    static NeuralCleanse.Result run(StateDict w) {
        long t0 = System.nanoTime();
        NeuralCleanse.Result r = NeuralCleanse.run(MODEL, w, defender, NC);
        for (int i = 0; i < r.classes().size(); i++) {
            NeuralCleanse.ClassResult c = r.classes().get(i);
            System.out.printf("  class %d  L1 %.2f  success %.3f  index %.2f%n", c.target(), c.maskL1(),
                    c.success(), r.anomalyIndex()[i]);
        }
        System.out.printf("  detected %d in %.1f s%n", r.detectedTarget(), (System.nanoTime() - t0) / 1e9);
        return r;
    }
}
