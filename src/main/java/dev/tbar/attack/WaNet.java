package dev.tbar.attack;

import dev.tbar.data.Image;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * WaNet (Nguyen and Tran 2021): a fixed, smooth random warp. A k x k control grid of uniform(-1, 1) offsets (two
 * channels, x and y) is divided by its mean absolute value and upsampled to H x W (bicubic by default, as in the
 * original code, or bilinear; both with align_corners semantics). The sampling grid in [-1, 1] coordinates is
 * clamp((identity + s * noise / H) * grid_rescale, -1, 1), and the image is resampled bilinearly with
 * align_corners=true and zero padding. Noise mode: cross samples use the grid plus per-sample uniform(-1, 1) *
 * cross_noise / H (cross_noise = 1 in the original), clamped again, and keep their true label; there are
 * cross_ratio per poisoned sample. Parameters: {@code k} (4), {@code s} (0.5), {@code grid_rescale} (1),
 * {@code cross_ratio} (2), {@code cross_noise} (1), {@code upsample} ({@code bicubic} or {@code bilinear}).
 */
public final class WaNet extends BaseTrigger implements CrossSampling {
    public static final String NAME = "wanet";
    static final Set<String> KEYS = Set.of("k", "s", "grid_rescale", "cross_ratio", "cross_noise", "upsample");

    /** Control noise (2, k, k) after normalisation. */
    private final float[] control;
    private final int k;
    /** Sampling grid (H, W, 2): x then y, in [-1, 1]. */
    private final float[] grid;
    private final double crossRatio;
    private final double crossNoise;

    private WaNet(int c, int h, int w, Map<String, Object> resolved, float[] control, int k, float[] grid,
            double crossRatio, double crossNoise) {
        super(NAME, c, h, w, resolved);
        this.control = control;
        this.k = k;
        this.grid = grid;
        this.crossRatio = crossRatio;
        this.crossNoise = crossNoise;
    }

    public static WaNet create(Params p, int c, int h, int w, long seed) {
        p.requireKnown(KEYS);
        int k = p.integer("k", 4, 1, Math.max(h, w));
        double s = p.number("s", 0.5, 0, 1e6);
        double rescale = p.number("grid_rescale", 1, 0, 1e6);
        if (rescale == 0) {
            throw p.bad("grid_rescale", 0, "a number > 0");
        }
        double crossRatio = p.number("cross_ratio", 2, 0, 1e6);
        double crossNoise = p.number("cross_noise", 1, 0, 1e6);
        String upsample = p.string("upsample", "bicubic", Set.of("bicubic", "bilinear"));

        SplittableRandom rnd = Seeds.stream(seed, "wanet-grid");
        double[] ins = new double[2 * k * k];
        double meanAbs = 0;
        for (int i = 0; i < ins.length; i++) {
            ins[i] = rnd.nextDouble() * 2 - 1;
            meanAbs += Math.abs(ins[i]);
        }
        meanAbs /= ins.length;
        float[] control = new float[ins.length];
        for (int i = 0; i < ins.length; i++) {
            ins[i] /= meanAbs;
            control[i] = (float) ins[i];
        }
        boolean cubic = upsample.equals("bicubic");
        double[] nx = Upsample.resize(ins, 0, k, h, w, cubic);
        double[] ny = Upsample.resize(ins, k * k, k, h, w, cubic);
        float[] grid = new float[h * w * 2];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int q = y * w + x;
                // The original divides both offsets by the height (its images are square).
                grid[2 * q] = (float) clamp((linspace(x, w) + s * nx[q] / h) * rescale);
                grid[2 * q + 1] = (float) clamp((linspace(y, h) + s * ny[q] / h) * rescale);
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("k", k);
        r.put("s", s);
        r.put("grid_rescale", rescale);
        r.put("cross_ratio", crossRatio);
        r.put("cross_noise", crossNoise);
        r.put("upsample", upsample);
        r.put("seed", seed);
        return new WaNet(c, h, w, r, control, k, grid, crossRatio, crossNoise);
    }

    /** Point i of n evenly spaced in [-1, 1]. */
    static double linspace(int i, int n) {
        return n == 1 ? -1 : -1 + 2.0 * i / (n - 1);
    }

    private static double clamp(double v) {
        return Math.max(-1, Math.min(1, v));
    }

    @Override
    public Image apply(Image clean) {
        checkShape(clean);
        float[] in = clean.pixels();
        float[] out = new float[in.length];
        for (int q = 0; q < height * width; q++) {
            sample(in, out, q, grid[2 * q], grid[2 * q + 1]);
        }
        return new Image(channels, height, width, out);
    }

    @Override
    public double crossRatio() {
        return crossRatio;
    }

    @Override
    public Image applyCross(Image clean, SplittableRandom rnd) {
        checkShape(clean);
        float[] in = clean.pixels();
        float[] out = new float[in.length];
        double scale = crossNoise / height;
        for (int q = 0; q < height * width; q++) {
            double gx = clamp(grid[2 * q] + (rnd.nextDouble() * 2 - 1) * scale);
            double gy = clamp(grid[2 * q + 1] + (rnd.nextDouble() * 2 - 1) * scale);
            sample(in, out, q, gx, gy);
        }
        return new Image(channels, height, width, out);
    }

    /** Bilinear sample of every channel at grid point (gx, gy) into output pixel q; zero outside the image. */
    private void sample(float[] in, float[] out, int q, double gx, double gy) {
        double ix = (gx + 1) / 2 * (width - 1);
        double iy = (gy + 1) / 2 * (height - 1);
        int x0 = (int) Math.floor(ix);
        int y0 = (int) Math.floor(iy);
        double fx = ix - x0;
        double fy = iy - y0;
        int plane = height * width;
        for (int ch = 0; ch < channels; ch++) {
            int base = ch * plane;
            double v = (1 - fx) * (1 - fy) * at(in, base, y0, x0) + fx * (1 - fy) * at(in, base, y0, x0 + 1)
                    + (1 - fx) * fy * at(in, base, y0 + 1, x0) + fx * fy * at(in, base, y0 + 1, x0 + 1);
            out[base + q] = (float) v;
        }
    }

    private float at(float[] in, int base, int y, int x) {
        return y < 0 || y >= height || x < 0 || x >= width ? 0f : in[base + y * width + x];
    }

    /** A copy of the normalised control noise, (2, k, k): x offsets, then y offsets. */
    public float[] control() {
        return control.clone();
    }

    /** A copy of the sampling grid, (H, W, 2). */
    public float[] grid() {
        return grid.clone();
    }

    @Override
    protected List<Array> arrays() {
        return List.of(new Array("grid", new long[] {height, width, 2}, grid),
                new Array("control", new long[] {2, k, k}, control));
    }

    /** A warp is invisible on a flat image: preview it on a checkerboard. */
    @Override
    protected Map<String, Image> previews() {
        Image board = Image.blank(channels, height, width);
        int cell = Math.max(1, Math.min(height, width) / 8);
        for (int ch = 0; ch < channels; ch++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    board.set(ch, y, x, ((y / cell + x / cell) % 2 == 0) ? 1f : 0.2f);
                }
            }
        }
        Map<String, Image> m = new LinkedHashMap<>();
        m.put("example", apply(board));
        m.put("reference", board);
        return m;
    }
}
