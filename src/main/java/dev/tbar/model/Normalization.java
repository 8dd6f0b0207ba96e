package dev.tbar.model;

import ai.djl.ndarray.NDArray;

/** Per-channel input normalisation (x - mean) / std applied inside a model's forward pass. */
public record Normalization(float[] mean, float[] std) {
    /** The ImageNet statistics used by the shared CIFAR ResNets (akamaster) and torchvision. */
    public static final Normalization IMAGENET =
            new Normalization(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});

    public NDArray apply(NDArray pixels) {
        var m = pixels.getManager();
        int c = mean.length;
        // views of arrays borrowed from Java buffers would outlive them: own the statistics first
        NDArray mu = dev.tbar.util.NDArrays.owned(m.create(mean)).reshape(1, c, 1, 1);
        NDArray sd = dev.tbar.util.NDArrays.owned(m.create(std)).reshape(1, c, 1, 1);
        return pixels.sub(mu).div(sd);
    }
}
