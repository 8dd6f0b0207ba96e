package dev.tbar.attack;

/**
 * Resizing of a small square control grid to H x W, bicubic (Keys kernel a = -0.75, border indices clamped) or
 * bilinear, as PyTorch's {@code interpolate} computes them. WaNet uses align_corners semantics (corner samples map to
 * corner pixels); the half-pixel mapping exists so the kernels can be checked against libtorch, whose DJL binding
 * offers only that one.
 */
final class Upsample {
    private static final double A = -0.75;

    private Upsample() {}

    /** Resizes the k x k plane starting at {@code offset} in {@code src} to h x w, with align_corners. */
    static double[] resize(double[] src, int offset, int k, int h, int w, boolean cubic) {
        return resize(src, offset, k, h, w, cubic, true);
    }

    static double[] resize(double[] src, int offset, int k, int h, int w, boolean cubic, boolean alignCorners) {
        double[] out = new double[h * w];
        for (int y = 0; y < h; y++) {
            double ry = source(y, k, h, cubic, alignCorners);
            int iy = (int) Math.floor(ry);
            double ty = ry - iy;
            for (int x = 0; x < w; x++) {
                double rx = source(x, k, w, cubic, alignCorners);
                int ix = (int) Math.floor(rx);
                double tx = rx - ix;
                out[y * w + x] = cubic ? cubic(src, offset, k, iy, ty, ix, tx) : linear(src, offset, k, iy, ty, ix, tx);
            }
        }
        return out;
    }

    /** Source coordinate of output index {@code dst} when resizing {@code in} samples to {@code out}. */
    private static double source(int dst, int in, int out, boolean cubic, boolean alignCorners) {
        if (alignCorners) {
            return out > 1 ? dst * (in - 1.0) / (out - 1) : 0;
        }
        double s = (dst + 0.5) * in / out - 0.5;
        return cubic ? s : Math.max(0, s); // PyTorch clamps only the linear case at the left border
    }

    private static double cubic(double[] src, int offset, int k, int iy, double ty, int ix, double tx) {
        double[] wy = weights(ty);
        double[] wx = weights(tx);
        double sum = 0;
        for (int r = 0; r < 4; r++) {
            int yy = clampIndex(iy - 1 + r, k);
            double row = 0;
            for (int c = 0; c < 4; c++) {
                row += wx[c] * src[offset + yy * k + clampIndex(ix - 1 + c, k)];
            }
            sum += wy[r] * row;
        }
        return sum;
    }

    private static double linear(double[] src, int offset, int k, int iy, double ty, int ix, double tx) {
        int y0 = clampIndex(iy, k);
        int y1 = clampIndex(iy + 1, k);
        int x0 = clampIndex(ix, k);
        int x1 = clampIndex(ix + 1, k);
        double top = (1 - tx) * src[offset + y0 * k + x0] + tx * src[offset + y0 * k + x1];
        double bottom = (1 - tx) * src[offset + y1 * k + x0] + tx * src[offset + y1 * k + x1];
        return (1 - ty) * top + ty * bottom;
    }

    /** Keys cubic convolution weights of the 4 taps at offsets -1, 0, 1, 2 for fraction t. */
    static double[] weights(double t) {
        return new double[] {far(t + 1), near(t), near(1 - t), far(2 - t)};
    }

    private static double near(double x) {
        return ((A + 2) * x - (A + 3)) * x * x + 1;
    }

    private static double far(double x) {
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
    }

    private static int clampIndex(int i, int k) {
        return Math.max(0, Math.min(k - 1, i));
    }
}
