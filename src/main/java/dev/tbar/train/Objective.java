package dev.tbar.train;

import ai.djl.ndarray.NDArray;
import dev.tbar.model.StateDict;

/**
 * What the training loop minimises on one batch. Implanting a backdoor, TBAR's trigger fine-tuning and the
 * fine-tuning baselines all use cross-entropy; linearised or contrastive fine-tuning plug in here without a new loop,
 * and so do minimax defenses: {@link #inner} solves their inner maximisation before the step's gradient pass, and
 * {@link #project} keeps the weights on a constraint set after it.
 */
@FunctionalInterface
public interface Objective {
    /** Scalar loss for a batch of pixels (N, C, H, W) in [0, 1] and int64 labels (N). */
    NDArray loss(StateDict weights, NDArray pixels, NDArray labels, boolean training);

    /**
     * Runs once per step before the step's gradient pass and outside it, so it may take gradients of its own with
     * {@link Gradients#of} (DJL does not nest gradient passes): PGD on the inputs, on neuron masks or on the weights.
     * Returns the objective whose loss this step minimises, typically one holding what the inner step found. Arrays
     * made here from the step's arrays are freed with the step.
     */
    default Objective inner(StateDict weights, NDArray pixels, NDArray labels, boolean training) {
        return this;
    }

    /** Runs after each optimizer step, without gradients: puts the weights back on a constraint set. */
    default void project(StateDict weights) {}
}
