package dev.tbar.unlearn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.tbar.data.Batches;
import dev.tbar.data.DecodedDataset;
import dev.tbar.data.Image;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.Layers;
import dev.tbar.model.StateDict;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Re-estimates BatchNorm running statistics of edited weights from a few clean images, with forward passes only.
 * Subtracting a trigger vector shifts every layer's activation statistics while the task vector keeps theta_bd's
 * buffers. Statistics measured on a few hundred images are noisy, so {@link #shift} measures the base and the edited
 * weights on the same images and moves the base's statistics by the difference: the sampling noise cancels and
 * alpha = 0 leaves the model exactly unchanged.
 */
public final class BatchNormRecalibration {
    private static final String MEAN = "running_mean";
    private static final String VAR = "running_var";

    private final ImageClassifier model;
    private final Image[] images;
    private final Map<String, float[]> baseRunning = new LinkedHashMap<>();
    private final Map<String, float[]> baseMeasured;

    /** Measures {@code base} on {@code images}; {@code base} itself is not changed. */
    public BatchNormRecalibration(ImageClassifier model, StateDict base, ImageDataset images) {
        this.model = model;
        this.images = DecodedDataset.of(images).images();
        for (String name : statisticNames(base)) {
            baseRunning.put(name, base.get(name).toFloatArray());
        }
        try (StateDict probe = base.copy()) {
            baseMeasured = measure(probe);
        }
    }

    /**
     * Replaces {@code edited}'s statistics (in place) by the base's running statistics shifted by what the edit
     * changed on the calibration images: mean + (edited - base), var x (edited / base).
     */
    public void shift(StateDict edited) {
        Map<String, float[]> measured = measure(edited);
        NDManager m = edited.manager();
        measured.forEach((name, now) -> {
            float[] running = baseRunning.get(name);
            float[] before = baseMeasured.get(name);
            float[] out = new float[now.length];
            boolean var = name.endsWith(VAR);
            for (int i = 0; i < out.length; i++) {
                out[i] = var ? running[i] * now[i] / Math.max(before[i], 1e-12f) : running[i] + now[i] - before[i];
            }
            edited.putBuffer(name, m.create(out, edited.get(name).getShape()));
        });
    }

    /** Overwrites {@code weights}' statistics with those of the images (one batch, momentum 1) and returns them. */
    private Map<String, float[]> measure(StateDict weights) {
        if (images.length >= 2) {
            try (NDManager step = weights.manager().getParentManager().newSubManager()) {
                NDArray x = Batches.pixels(step, images);
                Layers.withBatchNormMomentum(1f, () -> model.forward(weights, x, true));
            }
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String name : statisticNames(weights)) {
            out.put(name, weights.get(name).toFloatArray());
        }
        return out;
    }

    private static java.util.List<String> statisticNames(StateDict w) {
        return w.names().stream().filter(n -> w.isBuffer(n) && (n.endsWith(MEAN) || n.endsWith(VAR))).toList();
    }
}
