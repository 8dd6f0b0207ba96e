package dev.tbar.model.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.tbar.model.StateDict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Timing of a ViT-B/32 image tower step (batch 8, 224x224) through DJL; opt-in because it takes ~20 s:
 * {@code mvn test -Dtest=ClipBenchmarkTest -Dtbar.bench=true}.
 */
@EnabledIfSystemProperty(named = "tbar.bench", matches = "true")
class ClipBenchmarkTest {
    @Test
    void vitB32ForwardBackwardBatch8() {
        ClipClassifier clf = new ClipClassifier(ClipConfig.VIT_B_32, 10);
        try (NDManager m = NDManager.newBaseManager(); StateDict w = clf.initialize(m, 1)) {
            System.out.printf("ViT-B/32 image tower: %.1fM parameters%n", w.parameterCount() / 1e6);
            for (String k : w.parameterNames()) {
                w.get(k).setRequiresGradient(true);
            }
            for (int it = 0; it < 4; it++) {
                try (NDManager step = m.newSubManager()) {
                    NDArray px = ClipModelTest.randomPixels(step, 8, 224, it);
                    long t0 = System.nanoTime();
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray logits = clf.forward(w, px, true);
                        assertEquals(new Shape(8, 10), logits.getShape());
                        gc.backward(logits.logSoftmax(1).get(":, 0").sum().neg());
                    }
                    long t1 = System.nanoTime();
                    NDArray again = clf.forward(w, px, false).stopGradient();
                    again.toFloatArray();
                    long t2 = System.nanoTime();
                    System.out.printf("step %d: forward+backward %.2f s, forward %.2f s%n", it, (t1 - t0) / 1e9,
                            (t2 - t1) / 1e9);
                }
            }
        }
    }
}
