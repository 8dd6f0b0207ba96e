package dev.tbar.invert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.tbar.data.Batches;
import dev.tbar.data.Image;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.model.StateDict;
import dev.tbar.model.clip.ClipClassifier;
import dev.tbar.model.clip.ClipModel;
import dev.tbar.model.clip.TinyClip;
import dev.tbar.train.TestModels;
import dev.tbar.unlearn.TbarDecree;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@link ImageEncoder#of}: a classifier's penultimate features, or a CLIP classifier's image tower. */
class DecreeEncoderTest {
    @Test
    void aClipClassifierIsEncodedByItsImageTower() {
        ClipClassifier clf = new ClipClassifier(TinyClip.CONFIG, 4, TinyClip.SIZE);
        InMemoryDataset data = DecreeTest.noise(6, 2, TinyClip.SIZE);
        try (NDManager m = NDManager.newBaseManager(); StateDict w = clf.initialize(m, 1)) {
            Image[] images = new Image[data.size()];
            for (int i = 0; i < images.length; i++) {
                images[i] = data.image(i);
            }
            NDArray x = Batches.pixels(m, images);
            NDArray e = ImageEncoder.of(clf, w).embed(x);
            assertEquals(TinyClip.CONFIG.projectionDim(), e.getShape().get(1));
            // The tower's projected embedding: what the zero-shot head scores once normalised.
            assertArrayEquals(clf.features(w, x, false).toFloatArray(), ClipModel.normalize(e).toFloatArray(), 1e-5f);

            Map<String, float[]> before = w.asMap().entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, v -> v.getValue().toFloatArray()));
            Decree.Result r = Decree.run(clf, w, data, TbarDecree.SECTION.with("steps=4", "batch_size=6",
                    "similarity_threshold=0.9", "patience=2", "seed=1"));
            assertTrue(r.pl1() > 0 && r.pl1() <= 1 && Double.isFinite(r.meanCosine()), r.toString());
            w.asMap().forEach((k, v) -> {
                assertFalse(v.hasGradient(), k + " records no gradient");
                assertArrayEquals(before.get(k), v.toFloatArray(), k + " unchanged");
            });
        }
    }

    @Test
    void aClassifierIsEncodedByItsPenultimateFeatures() {
        TestModels.Mlp mlp = TinyBackdoor.model();
        InMemoryDataset data = TinyBackdoor.data(4, 1);
        try (NDManager m = NDManager.newBaseManager(); StateDict w = mlp.initialize(m, 1)) {
            NDArray x = Batches.pixels(m, data, 0, data.size());
            assertArrayEquals(mlp.features(w, x, false).toFloatArray(),
                    ImageEncoder.of(mlp, w).embed(x).toFloatArray(), 0f);
        }
    }
}
