package dev.tbar.invert;

import dev.tbar.TbarException;
import dev.tbar.data.Datasets;
import dev.tbar.data.DecodedDataset;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.StateDict;
import java.util.Arrays;

/** What the inversions share: the defender images they optimise on, frozen weights and small statistics. */
final class Inputs {
    private Inputs() {}

    /** {@code n} images of {@code data} (stratified, seeded; all of them for 0 or n >= size), decoded once. */
    static DecodedDataset sample(ImageDataset data, int n, long seed) {
        if (data.size() == 0) {
            throw new TbarException("trigger inversion needs clean images, got an empty " + data.describe());
        }
        return DecodedDataset.of(n == 0 || n >= data.size() ? data : Datasets.sample(data, n, seed));
    }

    /**
     * A detached copy of {@code weights} when any of its tensors records gradients, else null (use them as they
     * are): inversion differentiates with respect to the input only, and must neither build graphs through the
     * weights nor leave gradients on them.
     */
    static StateDict frozen(StateDict weights) {
        for (var a : weights.asMap().values()) {
            if (a.hasGradient()) {
                return weights.copy();
            }
        }
        return null;
    }

    static double sum(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s;
    }

    static double median(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }
}
