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
import dev.tbar.Shared;
import dev.tbar.TbarException;
import dev.tbar.data.Batches;
import dev.tbar.data.Image;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.eval.Evaluator;
import dev.tbar.model.Checkpoints;
import dev.tbar.model.StateDict;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Zero-shot head, CLIP as an ImageClassifier, and the preprocessing it relies on. */
class ClipClassifierTest {
    static final List<String> CLASSES = List.of("cat", "banana", "stop sign");

    static ClipCheckpoint.Loaded fixture(NDManager m) {
        return ClipCheckpoint.load(Shared.require("fixtures/clip-tiny/hf/model.safetensors"), m);
    }

    static ClipTokenizer tokenizer() {
        return ClipTokenizer.fromDirectory(Shared.require("clip"));
    }

    @Test
    void headRowsAreRenormalisedTemplateMeans() {
        ClipTokenizer tok = tokenizer();
        try (NDManager m = NDManager.newBaseManager(); ClipCheckpoint.Loaded l = fixture(m)) {
            ClipModel model = l.model();
            List<String> templates = List.of("a photo of a {}.", "a drawing of the {}");
            NDArray head = ZeroShotHead.build(model, l.weights(), tok, CLASSES, templates, m);
            assertEquals(new Shape(3, 32), head.getShape());
            NDArray a = ClipModel.normalize(model.encodeText(l.weights(),
                    tok.encodeBatch(m, List.of("a photo of a banana.", "a drawing of the banana"), 77)));
            NDArray expected = ClipModel.normalize(a.mean(new int[] {0}, true));
            assertArrayEquals(expected.toFloatArray(), head.get("1:2").toFloatArray(), 1e-5f);
            for (float n : head.norm(new int[] {1}).toFloatArray()) {
                assertEquals(1f, n, 1e-5f);
            }
            TbarException e = assertThrows(TbarException.class,
                    () -> ZeroShotHead.build(model, l.weights(), tok, CLASSES, List.of("no placeholder"), m));
            assertTrue(e.getMessage().contains("no placeholder"), e.getMessage());
        }
    }

    @Test
    void classifierGivesClipZeroShotLogits() {
        ClipTokenizer tok = tokenizer();
        try (NDManager m = NDManager.newBaseManager(); ClipCheckpoint.Loaded l = fixture(m)) {
            ClipModel model = l.model();
            ClipClassifier clf = new ClipClassifier(l.config(), CLASSES.size());
            NDArray head = ZeroShotHead.build(model, l.weights(), tok, CLASSES, ZeroShotHead.DEFAULT_TEMPLATES, m);
            try (StateDict w = clf.weightsFrom(l.weights(), head, m)) {
                assertEquals(model.visionShapes().keySet(), w.parameterNames());
                assertTrue(w.isBuffer(ClipClassifier.HEAD));
                NDArray pixels = ClipModelTest.randomPixels(m, 2, 32, 9);
                NDArray expected = model.logitsPerImage(l.weights(), model.encodeImage(l.weights(), pixels),
                        model.encodeText(l.weights(), tok.encodeBatch(m,
                                List.of("a photo of a cat.", "a photo of a banana.", "a photo of a stop sign."), 77)));
                assertArrayEquals(expected.toFloatArray(), clf.forward(w, pixels, false).toFloatArray(), 1e-4f);
            }
        }
    }

    @Test
    void cachedHeadIsReusedAndKeyedByClassesAndTemplates(@TempDir Path dir) {
        ClipTokenizer tok = tokenizer();
        try (NDManager m = NDManager.newBaseManager(); ClipCheckpoint.Loaded l = fixture(m);
                StateDict other = l.model().initialize(m, 7)) {
            ClipModel model = l.model();
            List<String> t = ZeroShotHead.DEFAULT_TEMPLATES;
            float[] first = ZeroShotHead.cached(dir, "tiny", model, l.weights(), tok, CLASSES, t, m).toFloatArray();
            assertEquals(1, dir.toFile().list().length);
            // same key with other weights: the cached head comes back, proving no recomputation
            assertArrayEquals(first, ZeroShotHead.cached(dir, "tiny", model, other, tok, CLASSES, t, m)
                    .toFloatArray());
            float[] fresh = ZeroShotHead.cached(dir, "tiny-2", model, other, tok, CLASSES, t, m).toFloatArray();
            assertFalse(java.util.Arrays.equals(first, fresh));
            ZeroShotHead.cached(dir, "tiny", model, l.weights(), tok, List.of("cat", "banana"), t, m);
            assertEquals(3, dir.toFile().list().length);
        }
    }

    @Test
    void onlyTheImageTowerTrainsAndSmallImagesAreResizedInside(@TempDir Path dir) {
        ClipClassifier clf = new ClipClassifier(ClipModelTest.TINY, 4, 8); // fed 8x8, tower wants 16x16
        try (NDManager m = NDManager.newBaseManager(); StateDict w = clf.initialize(m, 11)) {
            assertEquals(clf.parameterShapes().keySet(), w.parameterNames());
            assertTrue(w.parameterNames().stream().allMatch(k -> k.startsWith("vision_model.")
                    || k.equals(ClipModel.VISUAL_PROJECTION)));
            assertEquals(List.of(ClipClassifier.HEAD), List.copyOf(clf.bufferShapes().keySet()));
            for (String k : w.parameterNames()) {
                w.get(k).setRequiresGradient(true);
            }
            try (NDManager step = m.newSubManager()) {
                NDArray pixels = ClipModelTest.randomPixels(step, 2, 8, 3);
                pixels.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray logits = clf.forward(w, pixels, true);
                    assertEquals(new Shape(2, 4), logits.getShape());
                    gc.backward(logits.get(":, 0").sum());
                }
                assertTrue(pixels.getGradient().abs().sum().getFloat() > 0, "input gradient through the resize");
                assertTrue(w.get("vision_model.embeddings.class_embedding").getGradient().abs().sum().getFloat() > 0);
            }
            // saves and loads with the project's strict checkpoint code like any other model
            Path file = dir.resolve("clip.safetensors");
            Checkpoints.save(w, file, null);
            try (StateDict back = Checkpoints.load(clf, file, m)) {
                assertEquals(w.names(), back.names());
                assertTrue(back.isBuffer(ClipClassifier.HEAD));
                assertArrayEquals(w.get(ClipClassifier.HEAD).toFloatArray(),
                        back.get(ClipClassifier.HEAD).toFloatArray());
            }
            // and the project's evaluator runs it
            byte[][] imgs = new byte[5][3 * 8 * 8];
            new SplittableRandom(1).nextBytes(imgs[0]);
            InMemoryDataset data = new InMemoryDataset(3, 8, 8, imgs, new int[] {0, 1, 2, 3, 0},
                    List.of("a", "b", "c", "d"), "random");
            double acc = Evaluator.accuracy(clf, w, data);
            assertTrue(acc >= 0 && acc <= 1);
        }
    }

    @Test
    void tensorResizeMatchesImageResize() {
        SplittableRandom rnd = new SplittableRandom(5);
        float[] px = new float[3 * 20 * 30];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) rnd.nextDouble();
        }
        Image im = new Image(3, 20, 30, px);
        ClipPreprocess pre = new ClipPreprocess(12);
        Image out = pre.apply(im);
        assertEquals(12, out.height());
        assertEquals(12, out.width());
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray batch = pre.resizeBatch(Batches.pixels(m, new Image[] {im, im}));
            assertEquals(new Shape(2, 3, 12, 12), batch.getShape());
            assertArrayEquals(out.pixels(), java.util.Arrays.copyOf(batch.toFloatArray(), out.pixels().length),
                    1e-5f);
        }
        // a flat image stays flat (weights sum to one), up- or downsampled
        Image grey = new Image(1, 7, 9, filled(63, 0.3f));
        for (int size : new int[] {4, 7, 20}) {
            for (float v : new ClipPreprocess(size).apply(grey).pixels()) {
                assertEquals(0.3f, v, 1e-6f);
            }
        }
        Image same = new ClipPreprocess(9).apply(new Image(3, 9, 9, java.util.Arrays.copyOf(px, 243)));
        assertArrayEquals(java.util.Arrays.copyOf(px, 243), same.pixels(), 1e-6f);
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    @Test
    void headShapeIsChecked() {
        ClipClassifier clf = new ClipClassifier(ClipModelTest.TINY, 4);
        try (NDManager m = NDManager.newBaseManager(); StateDict full = new ClipModel(ClipModelTest.TINY)
                .initialize(m, 1)) {
            TbarException e = assertThrows(TbarException.class,
                    () -> clf.weightsFrom(full, m.zeros(new Shape(3, 16)), m));
            assertTrue(e.getMessage().contains("(4, 16)"), e.getMessage());
        }
    }
}
