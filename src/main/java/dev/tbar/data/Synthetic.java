package dev.tbar.data;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A generated, deterministic image set for running tbar with no data files: ten classes of shapes and textures on
 * noisy backgrounds, with per-image random position, size, stripe period and colours (colour carries no class
 * information, shape does). A CIFAR ResNet-20 learns it in a few epochs; every description says "synthetic".
 */
public final class Synthetic {
    public static final List<String> CLASSES = List.of("disc", "square", "ring", "cross", "triangle",
            "horizontal stripes", "vertical stripes", "diagonal stripes", "checkerboard", "dots");

    private Synthetic() {}

    /**
     * {@code count} RGB images of {@code size} px, label of item i = i mod 10 (balanced). Item i depends only on
     * ({@code seed}, {@code split}, i), so train and test differ and a prefix of a larger set equals a smaller one.
     */
    public static InMemoryDataset generate(int count, int size, String split, long seed) {
        byte[][] images = new byte[count][];
        int[] labels = new int[count];
        long salt = mix(seed ^ mix(split.hashCode()));
        for (int i = 0; i < count; i++) {
            SplittableRandom rnd = new SplittableRandom(mix(salt + i));
            labels[i] = i % CLASSES.size();
            images[i] = draw(labels[i], size, rnd);
        }
        return new InMemoryDataset(3, size, size, images, labels, CLASSES,
                "synthetic shapes [" + split + "], " + count + " images, " + CLASSES.size() + " classes, " + size
                        + "px (generated, seed " + seed + ")");
    }

    private static byte[] draw(int cls, int s, SplittableRandom rnd) {
        float[] bg = new float[3];
        float[] fg = new float[3];
        for (int c = 0; c < 3; c++) {
            bg[c] = uniform(rnd, 0.05, 0.45);
            fg[c] = uniform(rnd, 0.55, 0.95);
        }
        Shape shape = new Shape(cls, s * uniform(rnd, 0.35, 0.65), s * uniform(rnd, 0.35, 0.65),
                s * uniform(rnd, 0.2, 0.32), 3 + rnd.nextInt(3));
        byte[] out = new byte[3 * s * s];
        int plane = s * s;
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                boolean on = shape.covers(x, y);
                for (int c = 0; c < 3; c++) {
                    double v = (on ? fg[c] : bg[c]) + 0.1 * (rnd.nextDouble() - 0.5);
                    out[c * plane + y * s + x] = (byte) Math.round(255 * Math.max(0, Math.min(1, v)));
                }
            }
        }
        return out;
    }

    /** One class's figure: centre (cx, cy), radius r; textures use {@code period} px bands. */
    private record Shape(int cls, double cx, double cy, double r, int period) {
        boolean covers(int x, int y) {
            double dx = x + 0.5 - cx;
            double dy = y + 0.5 - cy;
            double d = Math.hypot(dx, dy);
            boolean inBox = Math.abs(dx) <= r && Math.abs(dy) <= r;
            switch (cls) {
                case 0: return d <= r;
                case 1: return inBox;
                case 2: return d <= r && d >= 0.6 * r;
                case 3: return inBox && (Math.abs(dx) <= r / 3 || Math.abs(dy) <= r / 3);
                case 4: return Math.abs(dy) <= r && Math.abs(dx) <= (dy + r) / 2;
                case 5: return (y / period) % 2 == 0;
                case 6: return (x / period) % 2 == 0;
                case 7: return ((x + y) / period) % 2 == 0;
                case 8: return ((x / period) + (y / period)) % 2 == 0;
                default: return x % (2 * period) < period - 1 && y % (2 * period) < period - 1;
            }
        }
    }

    private static float uniform(SplittableRandom rnd, double lo, double hi) {
        return (float) (lo + (hi - lo) * rnd.nextDouble());
    }

    /** SplitMix64 finaliser: spreads nearby seeds (0, 1, 2...) into unrelated streams. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
