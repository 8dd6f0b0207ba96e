package dev.tbar.unlearn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.tbar.eval.Evaluator;
import dev.tbar.invert.TinyBackdoor;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.Normalization;
import dev.tbar.model.ResNetCifar;
import dev.tbar.model.StateDict;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** ANP on a planted backdoor in a tiny ResNet-8: masks learned under noise find the backdoor's BatchNorm channels. */
class AnpTest {
    static final ImageClassifier MODEL = new ResNetCifar(8, TinyBackdoor.CLASSES, Normalization.IMAGENET);

    @Test
    void prunesTheBackdoorChannelsWithTheThresholdChosenOnValidation() {
        TinyBackdoor.Defender d = TinyBackdoor.Defender.create();
        try (NDManager m = NDManager.newBaseManager();
                StateDict bd = TinyBackdoor.train(MODEL, m, TinyBackdoor.data(500, 1), true)) {
            double ca = Evaluator.accuracy(MODEL, bd, d.test());
            double asr = Evaluator.accuracy(MODEL, bd, d.testTriggered());
            DefenseSettings s = DefenseSettings.defaults().with("anp.train.max_steps=100", "anp.train.batch_size=32",
                    "anp.ca_threshold=0.9");
            DefenseOutcome out = Defenses.create("anp", s).apply(d.context(MODEL, bd, 3));
            try (StateDict w = out.cleaned()) {
                double caAfter = Evaluator.accuracy(MODEL, w, d.test());
                double asrAfter = Evaluator.accuracy(MODEL, w, d.testTriggered());
                System.out.printf("anp: CA %.3f -> %.3f, ASR %.3f -> %.3f, %s pruned (%.1f s)%n", ca, caAfter,
                        asr, asrAfter, ((Anp.Details) out.details()).prunedNeurons(), out.seconds());
                assertTrue(asr > 0.9 && ca > 0.9, "planted: CA " + ca + ", ASR " + asr);
                assertTrue(asrAfter < asr - 0.4, "ANP lowers ASR: " + asr + " -> " + asrAfter);
                assertTrue(caAfter > 0.85 * ca, "clean accuracy kept: " + ca + " -> " + caAfter);
                assertEquals(100L, out.steps());
                assertTrue(((Anp.Details) out.details()).prunedNeurons() > 0);
            }
        }
    }

    @Test
    void prunesTheSmallestMasksFirstByZeroingOnlyTheirScales() {
        try (NDManager m = NDManager.newBaseManager(); StateDict w = MODEL.initialize(m, 0)) {
            float[] mask = new float[(int) w.get("bn1.weight").size()];
            java.util.Arrays.fill(mask, 1f);
            mask[3] = 0.1f;
            mask[1] = 0.3f;
            List<Anp.Neuron> order = Anp.ranked(Map.of("bn1", mask));
            assertEquals(List.of(3, 1, 0), order.subList(0, 3).stream().map(Anp.Neuron::channel).toList(),
                    "smallest mask first, ties in channel order");
            try (StateDict p = Anp.pruned(w, order, 2)) {
                float[] g = p.get("bn1.weight").toFloatArray();
                float[] g0 = w.get("bn1.weight").toFloatArray();
                assertEquals(0f, g[3]);
                assertEquals(0f, g[1]);
                assertEquals(g0[0], g[0]);
                org.junit.jupiter.api.Assertions.assertArrayEquals(w.get("bn1.bias").toFloatArray(),
                        p.get("bn1.bias").toFloatArray(), "shifts kept, as in the authors' code");
            }
        }
    }
}
