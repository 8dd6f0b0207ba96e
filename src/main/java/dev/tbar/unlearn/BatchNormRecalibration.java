package dev.tbar.unlearn;

import ai.djl.ndarray.NDManager;
import dev.tbar.data.Batches;
import dev.tbar.data.Image;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.Layers;
import dev.tbar.model.StateDict;

/**
 * Re-estimates BatchNorm running statistics of edited weights from a few clean images, using forward passes only.
 * Subtracting a trigger vector changes every layer's activation statistics while the task vector keeps theta_bd's
 * buffers; re-estimating them recovers clean accuracy at no training cost.
 */
public final class BatchNormRecalibration {
    private BatchNormRecalibration() {}

    /** Replaces the running statistics of {@code weights} (in place) by those of {@code images}, in one batch. */
    public static void apply(ImageClassifier model, StateDict weights, ImageDataset images) {
        if (images.size() < 2 || model.bufferShapes().isEmpty()) {
            return;
        }
        Image[] batch = new Image[images.size()];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = images.image(i);
        }
        try (NDManager step = weights.manager().getParentManager().newSubManager()) {
            Layers.withBatchNormMomentum(1f, () -> model.forward(weights, Batches.pixels(step, batch), true));
        }
    }
}
