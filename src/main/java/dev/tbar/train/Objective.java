package dev.tbar.train;

import ai.djl.ndarray.NDArray;
import dev.tbar.model.StateDict;

/**
 * What the training loop minimises on one batch. Implanting a backdoor, TBAR's trigger fine-tuning and the
 * fine-tuning baselines all use cross-entropy; linearised or contrastive fine-tuning plug in here without a new loop.
 */
@FunctionalInterface
public interface Objective {
    /** Scalar loss for a batch of pixels (N, C, H, W) in [0, 1] and int64 labels (N). */
    NDArray loss(StateDict weights, NDArray pixels, NDArray labels, boolean training);
}
