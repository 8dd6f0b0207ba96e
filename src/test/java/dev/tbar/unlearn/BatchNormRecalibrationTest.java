package dev.tbar.unlearn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.tbar.data.Batches;
import dev.tbar.data.Image;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.data.Synthetic;
import dev.tbar.model.ResNetCifar;
import dev.tbar.model.Normalization;
import dev.tbar.model.StateDict;
import org.junit.jupiter.api.Test;

class BatchNormRecalibrationTest {
    @Test
    void afterRecalibrationInferenceMatchesBatchStatistics() {
        ResNetCifar model = new ResNetCifar(8, 10, Normalization.IMAGENET);
        InMemoryDataset data = Synthetic.generate(64, 16, "train", 3);
        Image[] all = new Image[data.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = data.image(i);
        }
        try (NDManager m = NDManager.newBaseManager(); StateDict w = model.initialize(m, 1)) {
            NDArray x = Batches.pixels(m, all);
            try (StateDict batchStats = w.copy()) {
                NDArray train = model.forward(batchStats, x, true); // batch statistics
                NDArray before = model.forward(w, x, false); // fresh buffers: mean 0, var 1
                BatchNormRecalibration.apply(model, w, data);
                NDArray after = model.forward(w, x, false);
                float errBefore = train.sub(before).abs().max().getFloat();
                float errAfter = train.sub(after).abs().max().getFloat();
                float scale = train.abs().max().getFloat();
                assertTrue(errAfter < 0.02f * scale, "after recalibration " + errAfter + " vs scale " + scale);
                assertTrue(errAfter < errBefore / 10, errBefore + " -> " + errAfter);
            }
        }
    }
}
