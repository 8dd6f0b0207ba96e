package dev.tbar.model.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.tbar.TbarException;
import dev.tbar.model.StateDict;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Behaviour of the CLIP towers on a tiny random model (no shared data needed). */
class ClipModelTest {
    /** vision 16x16 / patch 4, width 32, 2 heads; text width 24, 3 heads, vocab 100, context 12; dim 16. */
    static final ClipConfig TINY = new ClipConfig(32, 2, 2, 64, 4, 16, 1e-5f, 24, 2, 3, 48, 100, 12, 1e-5f, 16,
            ClipConfig.Activation.QUICK_GELU);

    static NDArray randomPixels(NDManager m, int n, int size, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[n * 3 * size * size];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextDouble();
        }
        return m.create(v, new Shape(n, 3, size, size));
    }

    @Test
    void shapesOfEveryOutput() {
        ClipModel model = new ClipModel(TINY);
        try (NDManager m = NDManager.newBaseManager(); StateDict w = model.initialize(m, 1)) {
            assertEquals(model.parameterShapes().keySet(), w.names());
            NDArray img = model.encodeImage(w, randomPixels(m, 3, 16, 2));
            NDArray txt = model.encodeText(w, m.create(new long[] {5, 7, 99, 0, 5, 99, 0, 0}, new Shape(2, 4)));
            assertEquals(new Shape(3, 16), img.getShape());
            assertEquals(new Shape(2, 16), txt.getShape());
            assertEquals(new Shape(3, 2), model.logitsPerImage(w, img, txt).getShape());
            float[] norms = ClipModel.normalize(img).norm(new int[] {1}).toFloatArray();
            for (float n : norms) {
                assertEquals(1f, n, 1e-5f);
            }
            // exp(log(1/0.07)) scales the cosine
            NDArray cos = ClipModel.normalize(img).matMul(ClipModel.normalize(txt).transpose());
            assertArrayEquals(cos.mul(1 / 0.07f).toFloatArray(), model.logitsPerImage(w, img, txt).toFloatArray(),
                    1e-4f);
        }
    }

    @Test
    void causalMaskHidesEverythingAfterTheEndToken() {
        ClipModel model = new ClipModel(TINY);
        try (NDManager m = NDManager.newBaseManager(); StateDict w = model.initialize(m, 3)) {
            // end token = the largest id (99) at position 3
            long[] base = {98, 10, 11, 99, 0, 0, 0, 0, 0, 0, 0, 0};
            long[] after = base.clone();
            after[5] = 42;
            after[11] = 7;
            long[] before = base.clone();
            before[2] = 42;
            float[] e0 = model.encodeText(w, m.create(base, new Shape(1, 12))).toFloatArray();
            float[] e1 = model.encodeText(w, m.create(after, new Shape(1, 12))).toFloatArray();
            float[] e2 = model.encodeText(w, m.create(before, new Shape(1, 12))).toFloatArray();
            assertArrayEquals(e0, e1, 1e-6f);
            assertFalse(Arrays.equals(e0, e2), "a token before the end token must matter");
            // a shorter sequence (padding cut off) gives the same embedding: position embeddings by lookup
            float[] e3 = model.encodeText(w, m.create(Arrays.copyOf(base, 4), new Shape(1, 4))).toFloatArray();
            assertArrayEquals(e0, e3, 1e-5f);
        }
    }

    @Test
    void gradientsReachEveryVisionParameter() {
        ClipModel model = new ClipModel(TINY);
        try (NDManager m = NDManager.newBaseManager(); StateDict w = model.initialize(m, 4)) {
            for (String k : model.visionShapes().keySet()) {
                w.get(k).setRequiresGradient(true);
            }
            try (NDManager step = m.newSubManager()) {
                NDArray pixels = randomPixels(step, 2, 16, 5);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray e = ClipModel.normalize(model.encodeImage(w, pixels));
                    NDArray target = step.create(new float[16]).add(0.25f);
                    gc.backward(e.sub(target).square().sum());
                }
                for (String k : model.visionShapes().keySet()) {
                    float g = w.get(k).getGradient().abs().sum().getFloat();
                    assertTrue(g > 0 && Float.isFinite(g), k + " gradient " + g);
                }
            }
        }
    }

    @Test
    void wrongInputShapesAreExplained() {
        ClipModel model = new ClipModel(TINY);
        try (NDManager m = NDManager.newBaseManager(); StateDict w = model.initialize(m, 1)) {
            TbarException e = assertThrows(TbarException.class,
                    () -> model.encodeImage(w, randomPixels(m, 1, 32, 1)));
            assertTrue(e.getMessage().contains("(N, 3, 16, 16)"), e.getMessage());
            e = assertThrows(TbarException.class, () -> model.encodeText(w, m.zeros(new Shape(1, 13))));
            assertTrue(e.getMessage().contains("L <= 12"), e.getMessage());
        }
    }

    @Test
    void geluVariantRunsAndDiffersFromQuickGelu() {
        ClipConfig gelu = new ClipConfig(32, 2, 2, 64, 4, 16, 1e-5f, 24, 2, 3, 48, 100, 12, 1e-5f, 16,
                ClipConfig.Activation.GELU);
        try (NDManager m = NDManager.newBaseManager(); StateDict w = new ClipModel(TINY).initialize(m, 1)) {
            NDArray px = randomPixels(m, 1, 16, 1);
            NDArray x = m.create(new float[] {-2f, -0.5f, 0f, 0.5f, 2f});
            float[] exact = ClipTransformer.activation(x, ClipConfig.Activation.GELU).toFloatArray();
            // reference values of x * Phi(x)
            assertArrayEquals(new float[] {-0.04550026f, -0.15426877f, 0f, 0.34573123f, 1.95449974f}, exact, 1e-5f);
            assertFalse(Arrays.equals(new ClipModel(gelu).encodeImage(w, px).toFloatArray(),
                    new ClipModel(TINY).encodeImage(w, px).toFloatArray()));
        }
    }
}
