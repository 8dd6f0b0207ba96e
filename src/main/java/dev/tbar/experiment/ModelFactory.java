package dev.tbar.experiment;

import ai.djl.ndarray.NDManager;
import dev.tbar.TbarException;
import dev.tbar.data.Image;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.Checkpoints;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.ModelRegistry;
import dev.tbar.model.ModelSource;
import dev.tbar.model.StateDict;
import dev.tbar.model.clip.ClipSource;
import java.nio.file.Path;

/** Turns an experiment's {@code model} entry into a {@link ModelSource}: registry models and CLIP alike. */
public final class ModelFactory {
    public static final String CLIP = "clip";

    private ModelFactory() {}

    /** The model for {@code train}'s classes and image size; a CLIP checkpoint is read here, once. */
    public static ModelSource resolve(ExperimentConfig.ModelConfig cfg, ImageDataset train, NDManager manager) {
        if (CLIP.equals(cfg.name())) {
            if (blank(cfg.weights())) {
                throw new TbarException("model.weights: model 'clip' needs a CLIP checkpoint (file or directory)");
            }
            Image sample = train.image(0);
            if (sample.height() != sample.width()) {
                throw new TbarException("model 'clip' needs square images, the data's are " + sample.width() + "x"
                        + sample.height());
            }
            return ClipSource.open(Path.of(cfg.weights()), path(cfg.config()), path(cfg.tokenizer()), cfg.templates(),
                    train.classes(), sample.height(), manager);
        }
        if (!blank(cfg.config()) || !blank(cfg.tokenizer()) || cfg.templates() != null) {
            throw new TbarException("model.config, model.tokenizer and model.templates apply to model 'clip' only,"
                    + " not '" + cfg.name() + "'");
        }
        return new Registered(ModelRegistry.create(cfg.name(), train.numClasses()), path(cfg.weights()));
    }

    /** A registry model: weights from a file, or a seeded init when none is given. */
    private record Registered(ImageClassifier model, Path weights) implements ModelSource {
        @Override
        public StateDict baseWeights(NDManager manager, long seed) {
            return weights == null ? model.initialize(manager, seed) : Checkpoints.load(model, weights, manager);
        }
    }

    private static Path path(String s) {
        return blank(s) ? null : Path.of(s);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
