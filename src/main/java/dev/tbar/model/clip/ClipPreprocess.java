package dev.tbar.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.tbar.data.Image;
import dev.tbar.data.Transform;
import java.util.SplittableRandom;

/**
 * CLIP's image preprocessing without its normalisation (which {@link ClipModel} applies): resize so the shorter side
 * is {@code size} with bicubic filtering, then a centre crop to {@code size} x {@code size}; pixels stay in [0, 1].
 *
 * <p>Resampling follows Pillow's separable bicubic filter (a = -0.5, the kernel widened by the scale factor when
 * shrinking, i.e. antialiased), which torchvision uses on PIL images, but computes in float instead of 8-bit, so
 * values may differ from Pillow by about one grey level. The long side is {@code size * long / short} truncated and
 * the crop offsets are rounded half to even, as torchvision does. The same maps exist as matrices
 * ({@link #resizeBatch}) so a model can resize tensors inside its differentiable forward pass.
 */
public final class ClipPreprocess implements Transform {
    private static final double BICUBIC_A = -0.5;
    private static final double SUPPORT = 2.0;

    private final int size;

    public ClipPreprocess(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("preprocess size must be positive, got " + size);
        }
        this.size = size;
    }

    public int size() {
        return size;
    }

    @Override
    public Image apply(Image image, SplittableRandom rnd) {
        return apply(image);
    }

    /** The preprocessed copy of {@code image}, (C, size, size). */
    public Image apply(Image image) {
        int h = image.height();
        int w = image.width();
        float[] ry = axisMatrix(h, w, size);
        float[] rx = axisMatrix(w, h, size);
        int[] yr = nonZero(ry, h);
        int[] xr = nonZero(rx, w);
        int c = image.channels();
        float[] in = image.pixels();
        float[] tmp = new float[size * w];
        float[] out = new float[c * size * size];
        for (int ch = 0; ch < c; ch++) {
            int base = ch * h * w;
            java.util.Arrays.fill(tmp, 0f);
            for (int oy = 0; oy < size; oy++) { // rows first: tmp = Ry @ channel, over the filter taps only
                for (int y = yr[2 * oy]; y < yr[2 * oy + 1]; y++) {
                    float k = ry[oy * h + y];
                    for (int x = 0; x < w; x++) {
                        tmp[oy * w + x] += k * in[base + y * w + x];
                    }
                }
            }
            for (int oy = 0; oy < size; oy++) { // then columns: out = tmp @ Rx^T
                for (int ox = 0; ox < size; ox++) {
                    float v = 0f;
                    for (int x = xr[2 * ox]; x < xr[2 * ox + 1]; x++) {
                        v += tmp[oy * w + x] * rx[ox * w + x];
                    }
                    out[(ch * size + oy) * size + ox] = Math.max(0f, Math.min(1f, v));
                }
            }
        }
        return new Image(c, size, size, out);
    }

    /** Per row of an (rows x cols) matrix, the [first, last + 1) column range of its non-zero weights. */
    private static int[] nonZero(float[] m, int cols) {
        int rows = m.length / cols;
        int[] r = new int[2 * rows];
        for (int i = 0; i < rows; i++) {
            int lo = 0;
            int hi = cols;
            while (lo < hi && m[i * cols + lo] == 0f) {
                lo++;
            }
            while (hi > lo && m[i * cols + hi - 1] == 0f) {
                hi--;
            }
            r[2 * i] = lo;
            r[2 * i + 1] = hi;
        }
        return r;
    }

    /**
     * Resizes and centre-crops a batch (N, C, H, W) to (N, C, size, size) by two matrix products, differentiable
     * with respect to the pixels; the result is clamped to [0, 1] like {@link #apply(Image)}.
     */
    public NDArray resizeBatch(NDArray pixels) {
        Shape s = pixels.getShape();
        int h = (int) s.get(2);
        int w = (int) s.get(3);
        if (h == size && w == size) {
            return pixels;
        }
        NDManager m = pixels.getManager();
        NDArray ry = dev.tbar.util.NDArrays.owned(m.create(axisMatrix(h, w, size), new Shape(size, h)));
        NDArray rxT = dev.tbar.util.NDArrays.owned(m.create(axisMatrix(w, h, size), new Shape(size, w))).transpose();
        return ry.matMul(pixels).matMul(rxT).clip(0f, 1f);
    }

    /**
     * The (size x length) matrix taking one image axis of {@code length} pixels to the output axis: resize (to
     * {@code size} if this is the shorter side, else {@code size * length / other} truncated), then centre crop.
     */
    static float[] axisMatrix(int length, int other, int size) {
        int scaled = length <= other ? size : (int) ((long) size * length / other);
        int offset = (int) Math.rint((scaled - size) / 2.0);
        float[] full = resampleMatrix(length, scaled);
        float[] out = new float[size * length];
        for (int o = 0; o < size; o++) {
            System.arraycopy(full, (o + offset) * length, out, o * length, length);
        }
        return out;
    }

    /** Pillow-style bicubic resampling weights from {@code in} to {@code out} samples, (out x in), rows sum to 1. */
    static float[] resampleMatrix(int in, int out) {
        double scale = (double) in / out;
        double filterScale = Math.max(scale, 1.0);
        double support = SUPPORT * filterScale;
        float[] m = new float[out * in];
        double[] k = new double[in];
        for (int o = 0; o < out; o++) {
            double center = (o + 0.5) * scale;
            int lo = Math.max((int) (center - support + 0.5), 0);
            int hi = Math.min((int) (center + support + 0.5), in);
            double total = 0;
            for (int x = lo; x < hi; x++) {
                k[x] = cubic((x - center + 0.5) / filterScale);
                total += k[x];
            }
            for (int x = lo; x < hi; x++) {
                m[o * in + x] = (float) (total == 0 ? k[x] : k[x] / total);
            }
        }
        return m;
    }

    private static double cubic(double x) {
        double a = BICUBIC_A;
        x = Math.abs(x);
        if (x < 1) {
            return ((a + 2) * x - (a + 3)) * x * x + 1;
        }
        if (x < 2) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0;
    }
}
