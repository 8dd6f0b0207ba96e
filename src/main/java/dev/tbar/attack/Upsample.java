package dev.tbar.attack;

/**
 * Resizing of a small square control grid to H x W with align_corners semantics (corner samples map to corner
 * pixels): bicubic with the Keys kernel a = -0.75 and clamped borders, as PyTorch's {@code upsample_bicubic2d}
 * computes it, or bilinear.
 */
final class Upsample {
    private static final double A = -0.75;

    private Upsample() {}

    /** Resizes the k x k plane starting at {@code offset} in {@code src} to h x w. */
    static double[] resize(double[] src, int offset, int k, int h, int w, boolean cubic) {
        double[] out = new double[h * w];
        double sy = h > 1 ? (k - 1) / (double) (h - 1) : 0;
        double sx = w > 1 ? (k - 1) / (double) (w - 1) : 0;
        for (int y = 0; y < h; y++) {
            double ry = sy * y;
            int iy = (int) Math.floor(ry);
            double ty = ry - iy;
            for (int x = 0; x < w; x++) {
                double rx = sx * x;
                int ix = (int) Math.floor(rx);
                double tx = rx - ix;
                out[y * w + x] = cubic ? cubic(src, offset, k, iy, ty, ix, tx) : linear(src, offset, k, iy, ty, ix, tx);
            }
        }
        return out;
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
