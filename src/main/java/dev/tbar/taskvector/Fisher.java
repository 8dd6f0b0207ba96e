package dev.tbar.taskvector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.tbar.data.Batches;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import dev.tbar.train.Gradients;
import dev.tbar.train.Objective;
import dev.tbar.train.Objectives;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The diagonal empirical Fisher information of the clean task at given weights: the mean over small batches of the
 * squared gradient of the cross-entropy on clean images with their true labels. Large entries mark weights the clean
 * task depends on; a trigger vector damped there ({@link TaskVector#damp}) changes the clean task less when
 * subtracted. Gradients of a batch's mean loss rather than of single images: the weighting is normalised by its mean
 * afterwards, so only the relative sizes matter, and a batch of 8 costs an eighth of the passes.
 */
public final class Fisher {
    private Fisher() {}

    /** One entry per floating-point parameter of {@code weights}, in eval mode (BatchNorm statistics fixed). */
    public static TaskVector diagonal(ImageClassifier model, StateDict weights, ImageDataset clean, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        if (clean.size() == 0) {
            throw new IllegalArgumentException("the Fisher information needs at least one clean image");
        }
        List<String> names = List.copyOf(TaskVector.floatParameters(weights));
        Objective ce = Objectives.crossEntropy(model);
        NDManager parent = weights.manager().getParentManager();
        try (NDManager sums = parent.newSubManager()) {
            Map<String, NDArray> sum = new LinkedHashMap<>();
            int batches = 0;
            for (int from = 0; from < clean.size(); from += batch) {
                int count = Math.min(batch, clean.size() - from);
                try (NDManager step = sums.newSubManager()) {
                    NDArray pixels = Batches.pixels(step, clean, from, count);
                    NDArray labels = Batches.labels(step, clean, from, count);
                    NDArray[] g = Gradients.ofWeights(weights, names, step, at -> ce.loss(at, pixels, labels, false));
                    for (int i = 0; i < g.length; i++) {
                        NDArray sq = g[i].square();
                        NDArray total = sum.containsKey(names.get(i)) ? sum.get(names.get(i)).add(sq) : sq;
                        total.attach(sums);
                        NDArray old = sum.put(names.get(i), total);
                        if (old != null) {
                            old.close();
                        }
                    }
                }
                batches++;
            }
            Map<String, NDArray> mean = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : sum.entrySet()) {
                mean.put(e.getKey(), e.getValue().div(batches));
            }
            return TaskVector.of(mean, parent);
        }
    }
}
