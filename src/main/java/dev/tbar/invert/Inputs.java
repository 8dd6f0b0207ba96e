package dev.tbar.invert;

import dev.tbar.TbarException;
import dev.tbar.data.Datasets;
import dev.tbar.data.Image;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.StateDict;
import java.util.Arrays;

/** What the inversions share: the defender images they optimise on, frozen weights and small statistics. */
final class Inputs {
    private Inputs() {}

    /** Decoded images and their labels. */
    record Sample(Image[] images, int[] labels) {}

    /** {@code n} images of {@code data} (stratified, seeded; all of them for 0 or n >= size), decoded once. */
    static Sample sample(ImageDataset data, int n, long seed) {
        if (data.size() == 0) {
            throw new TbarException("trigger inversion needs clean images, got an empty " + data.describe());
        }
        ImageDataset d = n == 0 || n >= data.size() ? data : Datasets.sample(data, n, seed);
        Image[] images = new Image[d.size()];
        int[] labels = new int[d.size()];
        for (int i = 0; i < images.length; i++) {
            images[i] = d.image(i);
            labels[i] = d.label(i);
        }
        return new Sample(images, labels);
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
