package dev.tbar.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/**
 * Seeded weight initialisers. Values are drawn in Java so that a seed gives the same weights on every machine and
 * engine build.
 */
public final class Init {
    private Init() {}

    /** Kaiming (He) normal, fan-in mode, for ReLU networks. */
    public static NDArray kaimingNormal(NDManager m, Shape shape, SplittableRandom rnd) {
        long fanIn = shape.size() / shape.get(0);
        return normal(m, shape, Math.sqrt(2.0 / fanIn), rnd);
    }

    public static NDArray normal(NDManager m, Shape shape, double std, SplittableRandom rnd) {
        float[] v = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (gaussian(rnd) * std);
        }
        return dev.tbar.util.NDArrays.owned(m.create(v, shape)); // parameters outlive the Java buffer
    }

    /**
     * Normal with standard deviation {@code std}, redrawn outside {@code +-cutoff * std}. (timm truncates at an
     * absolute +-2, which at std 0.02 never triggers; truncating in standard deviations keeps outliers out.)
     */
    public static NDArray truncatedNormal(NDManager m, Shape shape, double std, double cutoff, SplittableRandom rnd) {
        float[] v = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < v.length; i++) {
            double g;
            do {
                g = gaussian(rnd);
            } while (Math.abs(g) > cutoff);
            v[i] = (float) (g * std);
        }
        return dev.tbar.util.NDArrays.owned(m.create(v, shape)); // parameters outlive the Java buffer
    }

    /** Uniform in [-bound, bound]. */
    public static NDArray uniform(NDManager m, Shape shape, double bound, SplittableRandom rnd) {
        float[] v = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
        }
        return dev.tbar.util.NDArrays.owned(m.create(v, shape)); // parameters outlive the Java buffer
    }

    /** Standard normal by Box-Muller, so results do not depend on java.util.Random's caching. */
    public static double gaussian(SplittableRandom rnd) {
        double u1 = 1.0 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** BatchNorm running statistics at their start: variance 1, mean (and anything else) 0. */
    public static void batchNormBuffers(StateDict w, java.util.Map<String, Shape> buffers) {
        NDManager m = w.manager();
        buffers.forEach((name, shape) ->
                w.putBuffer(name, name.endsWith("running_var") ? m.ones(shape) : m.zeros(shape)));
    }
}
