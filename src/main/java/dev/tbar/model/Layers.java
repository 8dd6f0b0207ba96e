package dev.tbar.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.LayerNorm;

/** Functional layers reading their tensors from a {@link StateDict} by PyTorch-style prefix. */
public final class Layers {
    /** PyTorch's BatchNorm defaults: momentum 0.1 for the running statistics, eps 1e-5. */
    static final float BN_MOMENTUM = 0.1f;

    static final float BN_EPS = 1e-5f;

    /** BatchNorm momentum set on this thread by {@link #withBatchNormMomentum}; null: each layer's own. */
    private static final ThreadLocal<Float> MOMENTUM = new ThreadLocal<>();

    private Layers() {}

    /**
     * Runs {@code body} with BatchNorm's running-statistics momentum set to {@code momentum} on this thread. With 1,
     * one training-mode forward pass replaces every layer's running statistics by those of the batch: an exact
     * re-estimation in a single pass, since each layer sees inputs normalised the same way at inference.
     */
    public static <T> T withBatchNormMomentum(float momentum, java.util.function.Supplier<T> body) {
        Float old = MOMENTUM.get();
        MOMENTUM.set(momentum);
        try {
            return body.get();
        } finally {
            MOMENTUM.set(old);
        }
    }

    /** The momentum {@link #withBatchNormMomentum} set on this thread, or null: each layer's own. */
    static Float momentumOverride() {
        return MOMENTUM.get();
    }

    public static NDArray conv2d(StateDict w, String prefix, NDArray x, int stride, int padding, boolean bias) {
        NDArray b = bias ? w.get(prefix + ".bias") : null;
        return Conv2d.conv2d(x, w.get(prefix + ".weight"), b, new Shape(stride, stride), new Shape(padding, padding),
                        new Shape(1, 1), 1)
                .singletonOrThrow();
    }

    /** BatchNorm over channel axis 1; in training mode the running buffers in {@code w} are updated in place. */
    public static NDArray batchNorm(StateDict w, String prefix, NDArray x, boolean training) {
        // DJL passes (1 - momentum) to PyTorch; axis -1 selects PyTorch's native channel-first path.
        Float m = MOMENTUM.get();
        return BatchNorm.batchNorm(x, w.get(prefix + ".running_mean"), w.get(prefix + ".running_var"),
                        w.get(prefix + ".weight"), w.get(prefix + ".bias"), -1, 1f - (m == null ? BN_MOMENTUM : m),
                        BN_EPS, training)
                .singletonOrThrow();
    }

    /** (N, C, H, W) to (N, C): the mean over each channel's pixels. */
    public static NDArray globalAveragePool(NDArray x) {
        return x.reshape(x.getShape().get(0), x.getShape().get(1), -1).mean(new int[] {2});
    }

    public static NDArray linear(StateDict w, String prefix, NDArray x) {
        NDArray b = w.contains(prefix + ".bias") ? w.get(prefix + ".bias") : null;
        return Linear.linear(x, w.get(prefix + ".weight"), b).singletonOrThrow();
    }

    /** LayerNorm over the last dimension. */
    public static NDArray layerNorm(StateDict w, String prefix, NDArray x, float eps) {
        long d = x.getShape().get(x.getShape().dimension() - 1);
        return LayerNorm.layerNorm(x, new Shape(d), w.get(prefix + ".weight"), w.get(prefix + ".bias"), eps)
                .singletonOrThrow();
    }
}
