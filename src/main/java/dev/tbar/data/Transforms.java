package dev.tbar.data;

/**
 * Image transforms for decoding and training-time augmentation. Random ones draw only from the generator they are
 * given (first the vertical, then the horizontal offset; one draw per flip), so a seeded loop is reproducible.
 */
public final class Transforms {
    private Transforms() {}

    /** The standard CIFAR augmentation: random 32x32 crop after zero padding by 4, then a random horizontal flip. */
    public static Transform cifarAugment() {
        return randomCrop(4).then(horizontalFlip());
    }

    /** Applies {@code steps} in order. */
    public static Transform compose(Transform... steps) {
        Transform t = Transform.IDENTITY;
        for (Transform s : steps) {
            t = t.then(s);
        }
        return t;
    }

    /** Bilinear resize to {@code size} x {@code size} (pixel centres aligned, as PyTorch's align_corners=false). */
    public static Transform resize(int size) {
        return (im, rnd) -> resize(im, size, size);
    }

    /** Pads by {@code pad} zeros on every side, then crops back to the original size at a random offset. */
    public static Transform randomCrop(int pad) {
        return (im, rnd) -> {
            if (im.height() != im.width()) {
                throw new IllegalArgumentException("randomCrop(pad) needs a square image, got " + im.height() + "x"
                        + im.width());
            }
            return randomCrop(im.height(), pad).apply(im, rnd);
        };
    }

    /**
     * Pads by {@code pad} zeros on every side, then takes a {@code size} x {@code size} window at a uniformly
     * random offset in the padded image.
     */
    public static Transform randomCrop(int size, int pad) {
        if (size <= 0 || pad < 0) {
            throw new IllegalArgumentException("randomCrop needs size > 0 and pad >= 0, got " + size + ", " + pad);
        }
        return (im, rnd) -> {
            int rangeY = im.height() + 2 * pad - size;
            int rangeX = im.width() + 2 * pad - size;
            if (rangeY < 0 || rangeX < 0) {
                throw new IllegalArgumentException("cannot crop " + size + "x" + size + " from a " + im.height()
                        + "x" + im.width() + " image padded by " + pad);
            }
            int top = rnd.nextInt(rangeY + 1) - pad;
            int left = rnd.nextInt(rangeX + 1) - pad;
            return crop(im, top, left, size, size);
        };
    }

    /** The central {@code size} x {@code size} window (offset rounded down when the margin is odd). */
    public static Transform centerCrop(int size) {
        return (im, rnd) -> {
            if (size > im.height() || size > im.width()) {
                throw new IllegalArgumentException("cannot center-crop " + size + "x" + size + " from a "
                        + im.height() + "x" + im.width() + " image");
            }
            return crop(im, (im.height() - size) / 2, (im.width() - size) / 2, size, size);
        };
    }

    /** Mirrors left-right with probability 1/2. */
    public static Transform horizontalFlip() {
        return horizontalFlip(0.5);
    }

    /** Mirrors left-right with probability {@code p} (one draw from the generator per image). */
    public static Transform horizontalFlip(double p) {
        return (im, rnd) -> rnd.nextDouble() < p ? flip(im) : im;
    }

    /** Mirrors {@code im} left-right. */
    public static Image flip(Image im) {
        int w = im.width();
        float[] src = im.pixels();
        float[] out = new float[src.length];
        for (int row = 0; row < im.channels() * im.height(); row++) {
            int base = row * w;
            for (int x = 0; x < w; x++) {
                out[base + x] = src[base + w - 1 - x];
            }
        }
        return new Image(im.channels(), im.height(), w, out);
    }

    /** The window at ({@code top}, {@code left}) of size h x w; pixels outside {@code im} are zero. */
    public static Image crop(Image im, int top, int left, int h, int w) {
        Image out = Image.blank(im.channels(), h, w);
        float[] src = im.pixels();
        float[] dst = out.pixels();
        int x0 = Math.max(0, -left);
        int x1 = Math.min(w, im.width() - left);
        for (int c = 0; c < im.channels(); c++) {
            for (int y = 0; y < h; y++) {
                int sy = y + top;
                if (sy < 0 || sy >= im.height() || x0 >= x1) {
                    continue;
                }
                System.arraycopy(src, (c * im.height() + sy) * im.width() + left + x0, dst, (c * h + y) * w + x0,
                        x1 - x0);
            }
        }
        return out;
    }

    /** Bilinear resize to h x w: sample points at the centres of the output pixels, edges clamped. */
    public static Image resize(Image im, int h, int w) {
        if (h == im.height() && w == im.width()) {
            return im;
        }
        int[] y0 = new int[h];
        int[] y1 = new int[h];
        float[] fy = new float[h];
        taps(im.height(), h, y0, y1, fy);
        int[] x0 = new int[w];
        int[] x1 = new int[w];
        float[] fx = new float[w];
        taps(im.width(), w, x0, x1, fx);
        float[] src = im.pixels();
        float[] out = new float[im.channels() * h * w];
        int sw = im.width();
        for (int c = 0; c < im.channels(); c++) {
            int plane = c * im.height() * sw;
            for (int y = 0; y < h; y++) {
                int r0 = plane + y0[y] * sw;
                int r1 = plane + y1[y] * sw;
                for (int x = 0; x < w; x++) {
                    float top = src[r0 + x0[x]] + fx[x] * (src[r0 + x1[x]] - src[r0 + x0[x]]);
                    float bottom = src[r1 + x0[x]] + fx[x] * (src[r1 + x1[x]] - src[r1 + x0[x]]);
                    out[(c * h + y) * w + x] = top + fy[y] * (bottom - top);
                }
            }
        }
        return new Image(im.channels(), h, w, out);
    }

    /** For each output coordinate: the two source neighbours and the weight of the second. */
    private static void taps(int in, int out, int[] lo, int[] hi, float[] frac) {
        double scale = (double) in / out;
        for (int i = 0; i < out; i++) {
            double s = Math.max(0.0, (i + 0.5) * scale - 0.5);
            int a = Math.min((int) s, in - 1);
            lo[i] = a;
            hi[i] = Math.min(a + 1, in - 1);
            frac[i] = (float) (s - a);
        }
    }

    /** Grey (1 channel) to RGB by copying, or RGB to grey by ITU-R 601 luma; other counts are returned as is. */
    public static Image channels(Image im, int channels) {
        if (channels == 0 || channels == im.channels()) {
            return im;
        }
        int plane = im.height() * im.width();
        float[] p = im.pixels();
        if (im.channels() == 1 && channels == 3) {
            float[] out = new float[3 * plane];
            for (int c = 0; c < 3; c++) {
                System.arraycopy(p, 0, out, c * plane, plane);
            }
            return new Image(3, im.height(), im.width(), out);
        }
        if (im.channels() == 3 && channels == 1) {
            float[] out = new float[plane];
            for (int i = 0; i < plane; i++) {
                out[i] = 0.299f * p[i] + 0.587f * p[plane + i] + 0.114f * p[2 * plane + i];
            }
            return new Image(1, im.height(), im.width(), out);
        }
        throw new IllegalArgumentException("cannot convert " + im.channels() + " channels to " + channels);
    }
}
