package dev.tbar.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;

/**
 * An image classifier written as a pure function of its weights: {@code logits = forward(weights, pixels)}. Keeping
 * weights outside the model is what lets task vectors, trigger inversion and linearised fine-tuning treat them as
 * plain tensors. Inputs are pixels in [0, 1], shape (N, C, H, W); the model applies its own normalisation.
 */
public interface ImageClassifier {
    /** Registry name with its size, e.g. {@code resnet20}. */
    String name();

    int numClasses();

    /** Expected input (channels, height, width). */
    int[] inputShape();

    /** Trainable tensors and their shapes, in checkpoint order. */
    Map<String, Shape> parameterShapes();

    /** Non-trainable tensors (e.g. BatchNorm running statistics) and their shapes. */
    Map<String, Shape> bufferShapes();

    /** Fresh weights, every random draw fixed by {@code seed}. */
    StateDict initialize(NDManager manager, long seed);

    /**
     * Logits of shape (N, numClasses). In training mode BatchNorm uses batch statistics and updates the running
     * buffers of {@code weights} in place.
     */
    NDArray forward(StateDict weights, NDArray pixels, boolean training);

    /**
     * Prefix of the final linear layer ({@code <head>.weight} of shape (numClasses, F)), whose input is
     * {@link #features} where the model exposes them; null when the model has no known head.
     */
    default String headName() {
        return null;
    }

    /**
     * Penultimate features (N, F): the input of the linear head {@link #headName()}, so that
     * {@code forward = Layers.linear(weights, headName(), features)}. Defenses that act per feature channel
     * (fine-pruning) need it.
     */
    /** Whether {@link #features} works for this model. */
    default boolean exposesFeatures() {
        return headName() != null;
    }

    default NDArray features(StateDict weights, NDArray pixels, boolean training) {
        throw new dev.tbar.TbarException("model '" + name() + "' does not expose its penultimate features (needed"
                + " by feature-level defenses such as fine-pruning)");
    }
}
