package dev.tbar.model;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Map;

/**
 * What an experiment builds from its model entry: the classifier and its starting weights. A registry model starts
 * from a file or a seeded init; a CLIP model from a checkpoint plus a zero-shot head, which is why the weights are
 * not simply {@code Checkpoints.load(model, file)}.
 */
public interface ModelSource {
    ImageClassifier model();

    /** Starting weights, owned by the caller; {@code seed} fixes a random init when there is no file. */
    StateDict baseWeights(NDManager manager, long seed);

    /** Weights saved earlier for this model (e.g. by {@code tbar attack}), loaded strictly. */
    default StateDict load(Path file, NDManager manager) {
        return Checkpoints.load(model(), file, manager);
    }

    /**
     * Also writes {@code w} in the model's own format beside {@code file} (its safetensors copy), for a model that
     * has one (a TorchScript program); returns that file, or null.
     */
    default Path saveNative(StateDict w, Path file) {
        return null;
    }

    /** Metadata to save with this model's weights so that {@link #load} and a later run can rebuild the model. */
    default Map<String, String> metadata() {
        return Map.of();
    }
}
