package dev.tbar.data;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A generated, deterministic image set for running tbar without any download: ten classes of simple shapes and
 * textures on noisy backgrounds, with per-image random position, size and colours. It is learnable in a minute by a
 * small ResNet, and every report labels it as synthetic.
 */
public final class Synthetic {
    public static final List<String> CLASSES = List.of("disc", "square", "h-stripes", "v-stripes", "checker",
            "cross", "triangle", "ring", "diagonal", "dots");

    private Synthetic() {}

    /** {@code count} images of {@code size} px; the split name salts the seed so train and test differ. */
    public static InMemoryDataset generate(int count, int size, String split, long seed) {
        byte[][] images = new byte[count][];
        int[] labels = new int[count];
        long salt = split.hashCode() * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < count; i++) {
            SplittableRandom rnd = new SplittableRandom(seed ^ salt ^ (i * 0xBF58476D1CE4E5B9L));
            labels[i] = i % CLASSES.size();
            images[i] = draw(labels[i], size, rnd).toBytes();
        }
        return new InMemoryDataset(3, size, size, images, labels, CLASSES,
                "SYNTHETIC generated shapes [" + split + "], " + count + " images, " + size + "px");
    }

    private static Image draw(int cls, int s, SplittableRandom rnd) {
        Image im = Image.blank(3, s, s);
        float[] bg = {rf(rnd, 0.1, 0.5), rf(rnd, 0.1, 0.5), rf(rnd, 0.1, 0.5)};
        float[] fg = {rf(rnd, 0.5, 0.95), rf(rnd, 0.5, 0.95), rf(rnd, 0.5, 0.95)};
        double cx = s * (0.35 + 0.3 * rnd.nextDouble());
        double cy = s * (0.35 + 0.3 * rnd.nextDouble());
        double r = s * (0.18 + 0.12 * rnd.nextDouble());
        int period = 3 + rnd.nextInt(3);
        for (int y = 0; y < s; y++) {
            for (int x = 0; x < s; x++) {
                boolean on = inside(cls, x - cx, y - cy, r, x, y, period);
                for (int c = 0; c < 3; c++) {
                    float v = (on ? fg[c] : bg[c]) + (float) (0.08 * (rnd.nextDouble() - 0.5));
                    im.set(c, y, x, Math.max(0f, Math.min(1f, v)));
                }
            }
        }
        return im;
    }

    private static boolean inside(int cls, double dx, double dy, double r, int x, int y, int period) {
        double d = Math.hypot(dx, dy);
        switch (cls) {
            case 0: return d <= r;
            case 1: return Math.abs(dx) <= r && Math.abs(dy) <= r;
            case 2: return (y / period) % 2 == 0;
            case 3: return (x / period) % 2 == 0;
            case 4: return ((x / period) + (y / period)) % 2 == 0;
            case 5: return (Math.abs(dx) <= r / 3 || Math.abs(dy) <= r / 3) && Math.abs(dx) <= r && Math.abs(dy) <= r;
            case 6: return dy <= r && dy >= -r && Math.abs(dx) <= (dy + r) / 2;
            case 7: return d <= r && d >= r * 0.6;
            case 8: return ((x + y) / period) % 2 == 0;
            default: return ((x % (2 * period)) < period / 2 + 1) && ((y % (2 * period)) < period / 2 + 1);
        }
    }

    private static float rf(SplittableRandom rnd, double lo, double hi) {
        return (float) (lo + (hi - lo) * rnd.nextDouble());
    }
}
