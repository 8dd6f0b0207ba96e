package dev.tbar.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.tbar.TbarException;
import dev.tbar.model.Checkpoints;
import dev.tbar.model.ModelSource;
import dev.tbar.model.Safetensors;
import dev.tbar.model.StateDict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * CLIP as an experiment's model: a {@link ClipClassifier} for the dataset's classes. The weights are either a full
 * CLIP checkpoint (Hugging Face or open_clip layout; the frozen zero-shot head is built here from the class names) or
 * classifier weights tbar saved earlier (image tower plus {@value ClipClassifier#HEAD}, e.g. {@code tbar attack}'s
 * backdoored.safetensors), which load strictly and need no tokenizer.
 */
public final class ClipSource implements ModelSource {
    /** Metadata key holding the CLIP config (HF config.json text) in classifier weights saved by tbar. */
    public static final String CONFIG_KEY = "clip_config";

    private static final List<String> WEIGHT_FILES = List.of("model.safetensors", "open_clip_model.safetensors");

    private final ClipClassifier model;
    private final StateDict initial;

    private ClipSource(ClipClassifier model, StateDict initial) {
        this.model = model;
        this.initial = initial;
    }

    /**
     * @param weights a safetensors file, or a checkpoint directory holding model.safetensors (or
     *     open_clip_model.safetensors)
     * @param config a CLIP config file, or null: the one beside the weights, the config saved in tbar's metadata,
     *     or (full checkpoints only) inferred from the shapes
     * @param tokenizerDir directory with vocab.json and merges.txt, or null for the checkpoint's directory
     * @param templates zero-shot prompt templates ({} = class name); null or empty for "a photo of a {}."
     * @param inputSize side of the (square) images the classifier is fed; they are resized to the tower's inside
     */
    public static ClipSource open(Path weights, Path config, Path tokenizerDir, List<String> templates,
            List<String> classNames, int inputSize, NDManager manager) {
        Path file = weightsFile(weights);
        Safetensors.Contents c = Safetensors.read(file, manager);
        try {
            if (c.tensors().containsKey(ClipClassifier.HEAD)) {
                ClipConfig cfg = classifierConfig(file, config, c.metadata());
                ClipClassifier clf = new ClipClassifier(cfg, classNames.size(), inputSize);
                return new ClipSource(clf, Checkpoints.fromTensors(clf, c.tensors(), manager, file.toString()));
            }
            try (ClipCheckpoint.Loaded full = ClipCheckpoint.fromTensors(c.tensors(),
                    ClipCheckpoint.resolveConfig(file, config), manager, file.toString());
                    NDManager tmp = manager.newSubManager()) {
                ClipTokenizer tok = tokenizer(tokenizerDir != null ? tokenizerDir : file.toAbsolutePath().getParent(),
                        tokenizerDir != null, full.config());
                List<String> t = templates == null || templates.isEmpty() ? ZeroShotHead.DEFAULT_TEMPLATES : templates;
                NDArray head = ZeroShotHead.build(full.model(), full.weights(), tok, classNames, t, tmp);
                StateDict text = new StateDict(manager); // kept for CleanCLIP, which retrains both towers
                for (String k : full.model().parameterShapes().keySet()) {
                    if (!full.model().visionShapes().containsKey(k)) {
                        text.putParameter(k, full.weights().get(k).duplicate());
                    }
                }
                ClipClassifier clf = new ClipClassifier(full.config(), classNames.size(), inputSize,
                        new ClipClassifier.TextTower(text, tok, List.copyOf(classNames), List.copyOf(t)));
                return new ClipSource(clf, clf.weightsFrom(full.weights(), head, manager));
            }
        } finally {
            c.tensors().values().forEach(NDArray::close);
        }
    }

    @Override
    public ClipClassifier model() {
        return model;
    }

    /** A copy of the classifier weights; {@code seed} is unused, CLIP always starts from its checkpoint. */
    @Override
    public StateDict baseWeights(NDManager manager, long seed) {
        return initial.copy(manager);
    }

    /** The config travels with saved weights, so backdoored or cleaned files reload without the checkpoint. */
    @Override
    public Map<String, String> metadata() {
        return Map.of(CONFIG_KEY, model.clip().config().toHfJson());
    }

    static Path weightsFile(Path weights) {
        if (!Files.isDirectory(weights)) {
            if (!Files.isRegularFile(weights)) {
                throw new TbarException("model.weights: " + weights + " does not exist");
            }
            return weights;
        }
        for (String name : WEIGHT_FILES) {
            if (Files.isRegularFile(weights.resolve(name))) {
                return weights.resolve(name);
            }
        }
        throw new TbarException("model.weights: directory " + weights + " has none of " + WEIGHT_FILES);
    }

    private static ClipConfig classifierConfig(Path file, Path config, Map<String, String> metadata) {
        if (config != null) {
            return ClipConfig.read(config);
        }
        if (metadata.containsKey(CONFIG_KEY)) {
            return ClipConfig.parse(metadata.get(CONFIG_KEY), file + " metadata " + CONFIG_KEY);
        }
        ClipConfig beside = ClipCheckpoint.resolveConfig(file, null);
        if (beside == null) {
            throw new TbarException(file + ": CLIP classifier weights without a config: no " + CONFIG_KEY
                    + " metadata and no config.json beside them; set model.config to the CLIP config file");
        }
        return beside;
    }

    private static ClipTokenizer tokenizer(Path dir, boolean configured, ClipConfig cfg) {
        if (!Files.isRegularFile(dir.resolve("vocab.json")) || !Files.isRegularFile(dir.resolve("merges.txt"))) {
            throw new TbarException((configured ? "model.tokenizer: " + dir : "no CLIP tokenizer beside the weights"
                    + " in " + dir) + " lacks vocab.json and merges.txt; set model.tokenizer to a directory holding"
                    + " them (e.g. ../shared/clip)");
        }
        ClipTokenizer tok = ClipTokenizer.fromDirectory(dir);
        if (tok.vocabSize() > cfg.vocabSize()) {
            throw new TbarException("model.tokenizer: " + dir + " has " + tok.vocabSize() + " tokens but the model's"
                    + " vocabulary has " + cfg.vocabSize());
        }
        return tok;
    }
}
