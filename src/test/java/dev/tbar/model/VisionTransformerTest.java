package dev.tbar.model;

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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Structure and behaviour of the functional ViT on the tiny {@code vit-micro} configuration. */
class VisionTransformerTest {
    private static final int N = 3;
    private static final int PATCH = 8;
    private static final int GRID = 4;

    private NDManager m;
    private final VisionTransformer vit = (VisionTransformer) ModelRegistry.create("vit-micro", 10);

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    /** Seeded pixels in [0, 1], laid out (N, 3, 32, 32). */
    private static float[] pixels(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] p = new float[N * 3 * 32 * 32];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) rnd.nextDouble();
        }
        return p;
    }

    private float[] logits(StateDict w, float[] px) {
        try (NDManager step = m.newSubManager()) {
            NDArray out = vit.forward(w, step.create(px, new Shape(N, 3, 32, 32)), false);
            assertEquals(new Shape(N, 10), out.getShape());
            return out.toFloatArray();
        }
    }

    private static void swapPatches(float[] px, int a, int b) {
        int ar = a / GRID, ac = a % GRID, br = b / GRID, bc = b % GRID;
        for (int n = 0; n < N; n++) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < PATCH; y++) {
                    for (int x = 0; x < PATCH; x++) {
                        int base = (n * 3 + c) * 32 * 32;
                        int i = base + (ar * PATCH + y) * 32 + ac * PATCH + x;
                        int j = base + (br * PATCH + y) * 32 + bc * PATCH + x;
                        float t = px[i];
                        px[i] = px[j];
                        px[j] = t;
                    }
                }
            }
        }
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    @Test
    void shapesNamesAndParameterCounts() {
        Map<String, Shape> p = vit.parameterShapes();
        assertEquals(new Shape(96, 32), p.get("blocks.0.attn.qkv.weight"));
        assertEquals(new Shape(32, 3, 8, 8), p.get("patch_embed.proj.weight"));
        assertEquals(new Shape(1, 17, 32), p.get("pos_embed"));
        assertEquals(new Shape(128, 32), p.get("blocks.1.mlp.fc1.weight"));
        assertEquals(new Shape(10, 32), p.get("head.weight"));
        assertTrue(vit.bufferShapes().isEmpty());
        try (StateDict w = vit.initialize(m, 1)) {
            // patch 6176 + cls 32 + pos 544 + 2 blocks x 12704 + norm 64 + head 330
            assertEquals(32_554, w.parameterCount());
            assertEquals(N * 10, logits(w, pixels(3)).length);
        }
        ImageClassifier tiny = ModelRegistry.create("vit-tiny", 10);
        long count = tiny.parameterShapes().values().stream().mapToLong(Shape::size).sum();
        assertEquals(2_693_578, count); // patch 4, width 192, depth 6, heads 3, MLP 768
        assertEquals("vit-tiny", tiny.name());
    }

    @Test
    void initialisationAndOutputAreDeterministicBySeed() {
        try (StateDict a = vit.initialize(m, 42); StateDict b = vit.initialize(m, 42); StateDict c = vit.initialize(m,
                43)) {
            for (String k : a.names()) {
                assertArrayEquals(a.get(k).toFloatArray(), b.get(k).toFloatArray(), 0f, k);
            }
            assertFalse(a.get("blocks.0.attn.qkv.weight").contentEquals(c.get("blocks.0.attn.qkv.weight")));
            float[] px = pixels(5);
            assertArrayEquals(logits(a, px), logits(b, px), 0f);
            // timm-style init: truncated normal with std 0.02 for linear weights, zero bias, LayerNorm ones
            float[] qkv = a.get("blocks.0.attn.qkv.weight").toFloatArray();
            double sq = 0;
            for (float v : qkv) {
                sq += v * v;
                assertTrue(Math.abs(v) <= 0.04f + 1e-7f);
            }
            assertEquals(0.02, Math.sqrt(sq / qkv.length), 0.003);
            assertEquals(0f, a.get("blocks.0.attn.qkv.bias").abs().max().getFloat());
            assertEquals(1f, a.get("norm.weight").min().getFloat());
        }
    }

    @Test
    void changingOnePatchChangesTheOutput() {
        try (StateDict w = vit.initialize(m, 7)) {
            float[] px = pixels(9);
            float[] before = logits(w, px);
            // the last patch (bottom right) only reaches the class token through attention
            for (int n = 0; n < N; n++) {
                for (int c = 0; c < 3; c++) {
                    for (int y = 24; y < 32; y++) {
                        for (int x = 24; x < 32; x++) {
                            px[((n * 3 + c) * 32 + y) * 32 + x] = 1f;
                        }
                    }
                }
            }
            assertTrue(maxAbsDiff(before, logits(w, px)) > 1e-4);
        }
    }

    @Test
    void headReadsOnlyTheClassToken() {
        // with every attention output projection zeroed, no token can pass information to the class token, so the
        // logits must not depend on the image at all (mean pooling over tokens would still depend on it)
        try (StateDict w = vit.initialize(m, 7)) {
            for (int i = 0; i < vit.config().depth(); i++) {
                String p = "blocks." + i + ".attn.proj.";
                w.putParameter(p + "weight", m.zeros(w.get(p + "weight").getShape()));
            }
            float[] a = logits(w, pixels(1));
            float[] b = logits(w, pixels(2));
            assertTrue(maxAbsDiff(a, b) < 1e-6, "class token saw the image: " + maxAbsDiff(a, b));
        }
    }

    @Test
    void permutingPatchesWithTheirPositionEmbeddingsKeepsTheOutput() {
        int a = 0;
        int b = 2 * GRID + 3;
        try (StateDict w = vit.initialize(m, 11)) {
            // at init (std 0.02) attention is almost uniform, i.e. nearly mean pooling, where position hardly
            // matters; larger weights, as after training, make the position effect measurable
            for (String k : List.copyOf(w.names())) {
                if (k.equals("pos_embed") || w.get(k).getShape().dimension() == 2) {
                    w.putParameter(k, w.get(k).mul(25));
                }
            }
            assertPermutationInvariance(w, a, b);
        }
    }

    private void assertPermutationInvariance(StateDict w, int a, int b) {
        try (StateDict permuted = w.copy()) {
            float[] px = pixels(4);
            float[] before = logits(w, px);
            float[] swapped = px.clone();
            swapPatches(swapped, a, b);
            // position matters: swapping the patches alone changes the prediction
            double moved = maxAbsDiff(before, logits(w, swapped));
            assertTrue(moved > 1e-3, "swap alone moved logits by " + moved);
            // ...but attention is permutation-equivariant, so swapping their position embeddings too undoes it
            float[] pos = w.get("pos_embed").toFloatArray();
            int d = vit.config().width();
            for (int j = 0; j < d; j++) {
                float t = pos[(1 + a) * d + j];
                pos[(1 + a) * d + j] = pos[(1 + b) * d + j];
                pos[(1 + b) * d + j] = t;
            }
            permuted.putParameter("pos_embed", m.create(pos, w.get("pos_embed").getShape()));
            double back = maxAbsDiff(before, logits(permuted, swapped));
            assertTrue(back < 1e-4, "swap with position embeddings moved logits by " + back);
        }
    }

    @Test
    void gradientReachesEveryParameter() {
        try (StateDict w = vit.initialize(m, 3); NDManager step = m.newSubManager()) {
            for (String k : w.parameterNames()) {
                w.get(k).setRequiresGradient(true);
            }
            NDArray x = step.create(pixels(6), new Shape(N, 3, 32, 32));
            NDArray mix = step.create(pixels(8)).get(":" + N * 10).reshape(N, 10);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray loss = vit.forward(w, x, true).mul(mix).sum();
                gc.backward(loss);
            }
            List<String> dead = new ArrayList<>();
            for (String k : w.parameterNames()) {
                NDArray g = w.get(k).getGradient();
                g.attach(step);
                float norm = g.abs().sum().getFloat();
                if (!(norm > 0) || !Float.isFinite(norm)) {
                    dead.add(k + "=" + norm);
                }
            }
            assertTrue(dead.isEmpty(), "parameters without gradient: " + dead);
        }
    }

    @Test
    void saveLoadRoundTripThroughCheckpoints(@TempDir Path dir) {
        Path file = dir.resolve("vit.safetensors");
        try (StateDict w = vit.initialize(m, 21)) {
            Checkpoints.save(w, file, Map.of("model", vit.name()));
            try (StateDict back = Checkpoints.load(vit, file, m)) {
                assertEquals(List.copyOf(w.names()), List.copyOf(back.names()));
                for (String k : w.names()) {
                    assertTrue(w.get(k).contentEquals(back.get(k)), k);
                }
                float[] px = pixels(2);
                assertArrayEquals(logits(w, px), logits(back, px), 0f);
            }
            // a checkpoint for another width is refused, naming the key
            VisionTransformer other = new VisionTransformer("vit-other", new VisionTransformer.Config(32, 8, 64, 2, 2,
                    4.0), 10, Normalization.IMAGENET);
            TbarException e = assertThrows(TbarException.class, () -> Checkpoints.load(other, file, m));
            assertTrue(e.getMessage().contains("cls_token"), e.getMessage());
        }
    }

    @Test
    void wrongImageSizeIsAClearError() {
        try (StateDict w = vit.initialize(m, 1); NDManager step = m.newSubManager()) {
            TbarException e = assertThrows(TbarException.class,
                    () -> vit.forward(w, step.zeros(new Shape(1, 3, 28, 28)), false));
            assertTrue(e.getMessage().contains("(N, 3, 32, 32)"), e.getMessage());
        }
    }
}
