package dev.tbar.unlearn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.tbar.data.Batches;
import dev.tbar.data.Image;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.data.Synthetic;
import dev.tbar.model.Layers;
import dev.tbar.model.Normalization;
import dev.tbar.model.ResNetCifar;
import dev.tbar.model.StateDict;
import org.junit.jupiter.api.Test;

class BatchNormRecalibrationTest {
    final ResNetCifar model = new ResNetCifar(8, 10, Normalization.IMAGENET);
    final InMemoryDataset data = Synthetic.generate(64, 16, "train", 3);

    private NDArray pixels(NDManager m) {
        Image[] all = new Image[data.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = data.image(i);
        }
        return Batches.pixels(m, all);
    }

    @Test
    void anUneditedModelKeepsItsStatisticsExactly() {
        try (NDManager m = NDManager.newBaseManager(); StateDict w = model.initialize(m, 1);
                StateDict same = w.copy()) {
            new BatchNormRecalibration(model, w, data).shift(same);
            for (String n : w.names()) {
                if (w.isBuffer(n)) {
                    assertArrayEquals(w.get(n).toFloatArray(), same.get(n).toFloatArray(), 1e-6f, n);
                }
            }
        }
    }

    @Test
    void shiftedStatisticsFollowTheEdit() {
        try (NDManager m = NDManager.newBaseManager(); StateDict base = model.initialize(m, 1)) {
            NDArray x = pixels(m);
            // A base whose running statistics are those of these images, as if it had been trained on them.
            Layers.withBatchNormMomentum(1f, () -> model.forward(base, x, true));
            try (StateDict edited = base.copy(); StateDict stale = base.copy()) {
                for (StateDict s : new StateDict[] {edited, stale}) {
                    s.putParameter("conv1.weight", s.get("conv1.weight").mul(1.5f).add(0.05f));
                    s.putParameter("layer2.0.conv1.weight", s.get("layer2.0.conv1.weight").mul(0.5f));
                }
                new BatchNormRecalibration(model, base, data).shift(edited);
                NDArray batchStats;
                try (StateDict probe = edited.copy()) {
                    batchStats = model.forward(probe, x, true);
                }
                float err = batchStats.sub(model.forward(edited, x, false)).abs().max().getFloat();
                float errStale = batchStats.sub(model.forward(stale, x, false)).abs().max().getFloat();
                float scale = batchStats.abs().max().getFloat();
                assertTrue(err < 0.02f * scale, "shifted statistics: error " + err + " vs scale " + scale);
                assertTrue(err < errStale / 10, "stale " + errStale + " vs shifted " + err);
            }
        }
    }
}
