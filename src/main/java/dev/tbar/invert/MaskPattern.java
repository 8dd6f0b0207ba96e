package dev.tbar.invert;

import dev.tbar.model.ModuleGradients;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.tbar.util.NDArrays;
import java.util.Collection;
import java.util.SplittableRandom;

/**
 * A trigger being optimised: mask m = (tanh(a) + 1) / 2, shape (1, H, W), and pattern p = (tanh(b) + 1) / 2, shape
 * (C, H, W), so both stay in [0, 1] whatever the free tensors a and b do; the triggered input is (1 - m) x + m p.
 * Adam on a and b in a few tensor ops (train's optimizers step a StateDict's parameters, not two free tensors).
 */
final class MaskPattern implements AutoCloseable {
    /** What to minimise for a triggered batch; the mask is passed for its L1 penalty. */
    @FunctionalInterface
    interface Loss {
        /** Returns {loss (scalar, recorded), and any number of extra scalars to read back}. */
        NDArray[] compute(NDArray triggered, NDArray mask);
    }

    // NC's Adam settings: a fast, low-momentum optimiser suits this small, jumpy problem.
    private static final float BETA1 = 0.5f;
    private static final float BETA2 = 0.9f;
    private static final float EPS = 1e-8f;

    private final NDManager manager;
    private final NDArray a;
    private final NDArray b;
    private final NDArray[] moments;
    private final float lr;
    private long t;

    /** Starts from a faint mask (about 0.1 everywhere, seeded jitter) and a seeded random pattern. */
    MaskPattern(NDManager parent, int channels, int height, int width, double lr, long seed) {
        this.manager = parent.newSubManager();
        this.lr = (float) lr;
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] mask = new float[height * width];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = (float) (atanh(2 * 0.1 - 1) + 0.1 * rnd.nextGaussian());
        }
        float[] pattern = new float[channels * height * width];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (float) (0.5 * rnd.nextGaussian());
        }
        this.a = NDArrays.owned(manager.create(mask, new Shape(1, height, width)));
        this.b = NDArrays.owned(manager.create(pattern, new Shape(channels, height, width)));
        this.moments = new NDArray[4];
        for (int i = 0; i < 4; i++) {
            moments[i] = manager.zeros(i < 2 ? a.getShape() : b.getShape(), DataType.FLOAT32);
        }
    }

    private static double atanh(double x) {
        return 0.5 * Math.log((1 + x) / (1 - x));
    }

    /**
     * One Adam step on {@code loss} for {@code clean} pixels (N, C, H, W); {@code lend} are long-lived tensors the
     * loss reads (model weights), lent to the step so that results computed from them are freed with it. Returns the
     * loss and the extra scalars as doubles.
     */
    double[] step(NDArray clean, Collection<NDArray> lend, Loss loss) {
        t++;
        try (NDManager sm = manager.newSubManager()) {
            sm.tempAttachAll(lend.toArray(new NDArray[0]));
            // The optimiser's own tensors too: temporaries of the in-place update then die with the step.
            sm.tempAttachAll(a, b);
            sm.tempAttachAll(moments);
            // Fresh leaves each step: no graph or gradient survives from an earlier step.
            NDArray la = leaf(a, sm);
            NDArray lb = leaf(b, sm);
            double[] out;
            NDArray ga;
            NDArray gb;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray m = squash(la);
                NDArray x = triggered(clean, m, squash(lb));
                NDArray[] r = loss.compute(x, m);
                out = new double[r.length];
                for (int i = 0; i < r.length; i++) {
                    out[i] = r[i].toType(DataType.FLOAT64, false).getDouble();
                }
                ModuleGradients.backward(gc, r[0]);
            }
            ga = la.getGradient();
            gb = lb.getGradient();
            adam(a, ga, moments[0], moments[1]);
            adam(b, gb, moments[2], moments[3]);
            return out;
        }
    }

    private static NDArray leaf(NDArray free, NDManager sm) {
        NDArray copy = free.duplicate();
        copy.attach(sm);
        NDArray leaf = copy.stopGradient();
        leaf.attach(sm);
        leaf.setRequiresGradient(true);
        return leaf;
    }

    private void adam(NDArray p, NDArray g, NDArray m, NDArray v) {
        NDArray gd = g.stopGradient();
        m.muli(BETA1).addi(gd.mul(1 - BETA1));
        v.muli(BETA2).addi(gd.square().muli(1 - BETA2));
        double bc1 = 1 - Math.pow(BETA1, t);
        double bc2 = 1 - Math.pow(BETA2, t);
        NDArray denom = v.sqrt().divi((float) Math.sqrt(bc2)).addi(EPS);
        p.subi(m.div(denom).muli((float) (lr / bc1)));
    }

    static NDArray squash(NDArray free) {
        return free.tanh().add(1f).mul(NDArrays.scalar(free, 0.5f)); // not mul(0.5f): see NDArrays.scalar
    }

    /** (1 - m) x + m p, broadcast over the batch (and over channels for the mask). */
    static NDArray triggered(NDArray x, NDArray mask, NDArray pattern) {
        return x.mul(mask.neg().add(1f)).add(mask.mul(pattern));
    }

    /** The current mask, (H * W) values in [0, 1]. */
    float[] mask() {
        try (NDManager sm = manager.newSubManager()) {
            sm.tempAttachAll(a);
            return squash(a).toFloatArray();
        }
    }

    /** The current pattern, (C * H * W) values in [0, 1]. */
    float[] pattern() {
        try (NDManager sm = manager.newSubManager()) {
            sm.tempAttachAll(b);
            return squash(b).toFloatArray();
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
