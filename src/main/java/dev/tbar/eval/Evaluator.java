package dev.tbar.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.tbar.data.Batches;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;

/**
 * Batched inference. Clean accuracy (CA) is accuracy on a clean test set; attack success rate (ASR) is accuracy on
 * a triggered view of the test set (non-target images, labelled with the target), so both use {@link #accuracy}.
 */
public final class Evaluator {
    public static final int DEFAULT_BATCH = 256;

    private Evaluator() {}

    /** Predicted class of every item, in order (eval mode: BatchNorm uses running statistics). */
    public static int[] predict(ImageClassifier model, StateDict weights, ImageDataset data, int batchSize) {
        int n = data.size();
        int[] out = new int[n];
        for (int start = 0; start < n; start += batchSize) {
            int count = Math.min(batchSize, n - start);
            try (NDManager step = weights.manager().getParentManager().newSubManager()) {
                int[] pred = predictions(model.forward(weights, Batches.pixels(step, data, start, count), false));
                System.arraycopy(pred, 0, out, start, count);
            }
        }
        return out;
    }

    /** Fraction of items whose prediction equals their label; NaN for an empty dataset. */
    public static double accuracy(ImageClassifier model, StateDict weights, ImageDataset data) {
        if (data.size() == 0) {
            return Double.NaN;
        }
        return accuracy(predict(model, weights, data, DEFAULT_BATCH), data);
    }

    /** The predicted class of each row of {@code logits} (N, classes). */
    public static int[] predictions(NDArray logits) {
        long[] pred = logits.argMax(1).toLongArray();
        int[] out = new int[pred.length];
        for (int i = 0; i < pred.length; i++) {
            out[i] = (int) pred[i];
        }
        return out;
    }

    /**
     * Fraction of {@code predicted[i] == data.label(i)}; NaN for an empty dataset. For callers that compute logits
     * their own way (e.g. a masked head over cached features) but must count accuracy like everyone else.
     */
    public static double accuracy(int[] predicted, ImageDataset data) {
        if (predicted.length != data.size()) {
            throw new IllegalArgumentException(predicted.length + " predictions for " + data.size() + " images");
        }
        if (predicted.length == 0) {
            return Double.NaN;
        }
        int correct = 0;
        for (int i = 0; i < predicted.length; i++) {
            if (predicted[i] == data.label(i)) {
                correct++;
            }
        }
        return correct / (double) predicted.length;
    }
}
