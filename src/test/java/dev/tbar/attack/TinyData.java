package dev.tbar.attack;

import dev.tbar.data.Image;
import dev.tbar.data.InMemoryDataset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Small random datasets and images for pixel-exact attack tests. */
final class TinyData {
    private TinyData() {}

    /** {@code n} random 8-bit images of shape (c, h, w); label of item i is i mod classes. */
    static InMemoryDataset dataset(int n, int classes, int c, int h, int w, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[][] images = new byte[n][c * h * w];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < images[i].length; j++) {
                images[i][j] = (byte) rnd.nextInt(256);
            }
            labels[i] = i % classes;
        }
        List<String> names = new ArrayList<>();
        for (int k = 0; k < classes; k++) {
            names.add("class" + k);
        }
        return new InMemoryDataset(c, h, w, images, labels, names, "tiny " + n);
    }

    static Image randomImage(int c, int h, int w, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] p = new float[c * h * w];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) rnd.nextDouble();
        }
        return new Image(c, h, w, p);
    }
}
