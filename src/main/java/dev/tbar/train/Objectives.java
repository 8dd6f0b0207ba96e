package dev.tbar.train;

import ai.djl.ndarray.NDArray;
import dev.tbar.model.ImageClassifier;

/** Ready-made objectives. */
public final class Objectives {
    private Objectives() {}

    /** Mean softmax cross-entropy of the model's logits against int64 labels. */
    public static Objective crossEntropy(ImageClassifier model) {
        return (weights, pixels, labels, training) -> {
            NDArray logp = model.forward(weights, pixels, training).logSoftmax(1);
            return logp.gather(labels.reshape(-1, 1), 1).mean().neg();
        };
    }
}
