package dev.tbar.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.tbar.TbarException;
import dev.tbar.data.ImageDataset;
import dev.tbar.invert.TinyBackdoor;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import org.junit.jupiter.api.Test;

/** RA, DER and the retuning figure on the tiny planted backdoor, against a clean model of the same task. */
class RobustnessMetricsTest {
    static final ImageClassifier MODEL = TinyBackdoor.model();

    @Test
    void derFollowsBackdoorBenchsFormula() {
        Metrics bd = new Metrics(0.9, 0.95);
        assertEquals(0.5, bd.der(bd), 1e-12, "doing nothing");
        assertEquals((0.9 - 0.1 + 1) / 2, new Metrics(0.8, 0.05).der(bd), 1e-12);
        assertEquals((0.95 + 1) / 2, new Metrics(0.92, 0.0).der(bd), 1e-12, "a CA gain is not rewarded");
        assertEquals((0 - 0.1 + 1) / 2, new Metrics(0.8, 0.99).der(bd), 1e-12, "an ASR rise is not penalised");
    }

    @Test
    void robustAccuracyCountsTriggeredImagesAsTheirTrueClassAndRetuningTeachesTheTrigger() {
        TinyBackdoor.Defender d = TinyBackdoor.Defender.create();
        ImageDataset train = TinyBackdoor.data(500, 1);
        try (NDManager m = NDManager.newBaseManager();
                StateDict clean = TinyBackdoor.train(MODEL, m, train, false);
                StateDict bd = TinyBackdoor.train(MODEL, m, train, true)) {
            Metrics c = Metrics.of(MODEL, clean, d.test(), d.testTriggered());
            Metrics b = Metrics.of(MODEL, bd, d.test(), d.testTriggered());
            assertTrue(c.ra() > 0.9 && c.asr() < 0.1, "a clean model sees through the patch: " + c);
            assertTrue(b.ra() < 0.1 && b.asr() > 0.9, "the backdoor hides the true class: " + b);
            assertTrue(b.ra() + b.asr() <= 1 + 1e-12);

            Retuning retune = Retuning.defaults();
            ImageDataset set = retune.set(d.clean(), TinyBackdoor.patch(), TinyBackdoor.TARGET, 0);
            assertEquals(20, set.size());
            int target = 0;
            for (int i = 0; i < set.size(); i++) {
                target += set.label(i) == TinyBackdoor.TARGET ? 1 : 0;
            }
            assertTrue(target >= 2, "two poisoned images, labelled as the target");
            double regained = retune.regainedAsr(MODEL, clean, set, d.testTriggered());
            assertTrue(Double.isFinite(regained) && regained >= 0 && regained <= 1, "" + regained);
            assertEquals(c.asr(), Evaluator.accuracy(MODEL, clean, d.testTriggered()), 0.0,
                    "retuning works on a copy");
        }
        assertThrows(TbarException.class, () -> new Retuning(5, 6, Retuning.defaults().train()));
    }
}
