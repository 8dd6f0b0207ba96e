package dev.tbar.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.tbar.TbarException;
import dev.tbar.model.Safetensors;
import dev.tbar.model.StateDict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The resumable state of a run in one safetensors file, written atomically: weights (parameters and buffers) under
 * {@code weights/}, optimizer state under {@code optimizer/}, the per-step losses, and in the metadata the step
 * counter, the settings and the dataset size. The shuffling and augmentation randomness is derived from (seed,
 * epoch/step) by {@link Shuffle}, so the step counter is the whole RNG position.
 */
public final class TrainCheckpoint {
    public static final String FILE_NAME = "train-state.safetensors";
    static final String FORMAT = "tbar-train-state/1";
    private static final String WEIGHTS = "weights/";
    private static final String OPTIMIZER = "optimizer/";
    private static final String LOSSES = "losses";

    private TrainCheckpoint() {}

    /** Where a run with checkpoint directory {@code dir} keeps its state. */
    public static Path file(Path dir) {
        return dir.resolve(FILE_NAME);
    }

    /** What a checkpoint restores besides the tensors. */
    record Restored(long step, long imagesSeen, float[] losses) {}

    static void save(Path file, StateDict weights, Optimizer opt, TrainConfig cfg, int datasetSize, long step,
            long imagesSeen, float[] losses, boolean complete) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        weights.asMap().forEach((k, v) -> tensors.put(WEIGHTS + k, v));
        opt.state().asMap().forEach((k, v) -> tensors.put(OPTIMIZER + k, v));
        try (NDManager tmp = weights.manager().getParentManager().newSubManager()) {
            tensors.put(LOSSES, tmp.create(losses));
            Map<String, String> md = new LinkedHashMap<>();
            md.put("format", FORMAT);
            md.put("step", Long.toString(step));
            md.put("epoch", Long.toString(step / cfg.stepsPerEpoch(datasetSize)));
            md.put("images_seen", Long.toString(imagesSeen));
            md.put("dataset_size", Integer.toString(datasetSize));
            md.put("complete", Boolean.toString(complete));
            md.put("rng", "derived from train.seed and the step counter");
            cfg.describe().forEach((k, v) -> md.put("train." + k, v));
            Safetensors.write(file, tensors, md);
        }
    }

    /**
     * Loads {@code file} into {@code weights} (its arrays are replaced) and {@code opt}, after checking that it was
     * written by a run with the same settings and dataset size, so that the resumed run replays the same steps.
     */
    static Restored load(Path file, StateDict weights, Optimizer opt, TrainConfig cfg, int datasetSize) {
        if (!Files.isRegularFile(file)) {
            throw new TbarException(file + ": no training checkpoint to resume from");
        }
        try (NDManager tmp = weights.manager().getParentManager().newSubManager()) {
            Safetensors.Contents c = Safetensors.read(file, tmp);
            Map<String, String> md = c.metadata();
            if (!FORMAT.equals(md.get("format"))) {
                throw new TbarException(file + ": not a tbar training checkpoint (metadata format is '"
                        + md.get("format") + "', expected '" + FORMAT + "')");
            }
            checkSettings(file, md, cfg, datasetSize);
            long step = number(file, md, "step");
            long images = number(file, md, "images_seen");
            NDArray lossArray = c.tensors().get(LOSSES);
            if (lossArray == null || lossArray.size() != step) {
                throw new TbarException(file + ": tensor '" + LOSSES + "' must hold " + step + " step losses");
            }
            float[] losses = lossArray.toFloatArray();
            Map<String, NDArray> w = new LinkedHashMap<>();
            Map<String, NDArray> o = new LinkedHashMap<>();
            c.tensors().forEach((k, v) -> {
                if (k.startsWith(WEIGHTS)) {
                    w.put(k.substring(WEIGHTS.length()), v);
                } else if (k.startsWith(OPTIMIZER)) {
                    o.put(k.substring(OPTIMIZER.length()), v);
                } else if (!k.equals(LOSSES)) {
                    throw new TbarException(file + ": unexpected tensor '" + k + "'");
                }
            });
            restoreWeights(file, weights, w);
            opt.load(o, step, file.toString());
            return new Restored(step, images, losses);
        }
    }

    private static void checkSettings(Path file, Map<String, String> md, TrainConfig cfg, int datasetSize) {
        List<String> diffs = new ArrayList<>();
        cfg.describe().forEach((k, v) -> {
            String saved = md.get("train." + k);
            if (!v.equals(saved)) {
                diffs.add("train." + k + "=" + saved + " (now " + v + ")");
            }
        });
        if (!Integer.toString(datasetSize).equals(md.get("dataset_size"))) {
            diffs.add("dataset size " + md.get("dataset_size") + " (now " + datasetSize + ")");
        }
        if (!diffs.isEmpty()) {
            throw new TbarException(file + ": cannot resume, the checkpoint was written with " + String.join(", ",
                    diffs) + "; resume with the same settings and data, or start afresh in another directory");
        }
    }

    private static void restoreWeights(Path file, StateDict weights, Map<String, NDArray> saved) {
        TreeSet<String> missing = new TreeSet<>(weights.names());
        missing.removeAll(saved.keySet());
        TreeSet<String> extra = new TreeSet<>(saved.keySet());
        extra.removeAll(weights.names());
        if (!missing.isEmpty() || !extra.isEmpty()) {
            throw new TbarException(file + ": checkpoint weights do not match the model (missing " + missing
                    + ", unexpected " + extra + ")");
        }
        for (String name : weights.names()) {
            NDArray cur = weights.get(name);
            NDArray v = saved.get(name);
            if (!v.getShape().equals(cur.getShape()) || v.getDataType() != cur.getDataType()) {
                throw new TbarException(file + ": checkpoint tensor '" + name + "' is " + v.getDataType() + " "
                        + v.getShape() + ", expected " + cur.getDataType() + " " + cur.getShape());
            }
        }
        for (String name : weights.names()) {
            weights.put(name, saved.get(name), weights.isBuffer(name));
        }
    }

    private static long number(Path file, Map<String, String> md, String key) {
        try {
            long v = Long.parseLong(md.getOrDefault(key, ""));
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new TbarException(file + ": metadata '" + key + "' must be a non-negative integer, got '"
                    + md.get(key) + "'");
        }
    }
}
