package dev.tbar.experiment;

import ai.djl.ndarray.NDManager;
import dev.tbar.TbarException;
import dev.tbar.data.Image;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.Checkpoints;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.ModelRegistry;
import dev.tbar.model.ModelSource;
import dev.tbar.model.Normalization;
import dev.tbar.model.StateDict;
import dev.tbar.model.TorchScriptClassifier;
import dev.tbar.model.clip.ClipSource;
import java.nio.file.Path;

/** Turns an experiment's {@code model} entry into a {@link ModelSource}: registry models and CLIP alike. */
public final class ModelFactory {
    public static final String CLIP = "clip";
    public static final String TORCHSCRIPT = "torchscript";

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
        if (TORCHSCRIPT.equals(cfg.name())) {
            if (blank(cfg.weights())) {
                throw new TbarException("model.weights: model 'torchscript' needs a TorchScript file (torch.jit.save)");
            }
            Image s = train.image(0);
            return new Scripted(TorchScriptClassifier.load(Path.of(cfg.weights()),
                    new int[] {s.channels(), s.height(), s.width()}, normalization(cfg, s.channels()), manager));
        }
        if (cfg.mean() != null || cfg.std() != null) {
            throw new TbarException("model.mean and model.std apply to model 'torchscript' only, not '" + cfg.name()
                    + "' (which normalises as it was trained)");
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

    /** A TorchScript model: its file holds the weights; cleaned weights are also written back as TorchScript. */
    private record Scripted(TorchScriptClassifier model) implements ModelSource {
        @Override
        public StateDict baseWeights(NDManager manager, long seed) {
            return model.initialize(manager, seed);
        }

        @Override
        public Path saveNative(StateDict w, Path file) {
            String n = file.getFileName().toString();
            Path out = file.resolveSibling((n.endsWith(".safetensors") ? n.substring(0, n.length() - 12) : n)
                    + ".pt");
            model.save(w, out);
            return out;
        }
    }

    private static Normalization normalization(ExperimentConfig.ModelConfig cfg, int channels) {
        if (cfg.mean() == null && cfg.std() == null) {
            return null;
        }
        if (cfg.mean() == null || cfg.std() == null || cfg.mean().size() != channels
                || cfg.std().size() != channels) {
            throw new TbarException("model.mean and model.std: give both, one value per image channel (" + channels
                    + "), got mean " + cfg.mean() + " and std " + cfg.std());
        }
        float[] m = new float[channels];
        float[] d = new float[channels];
        for (int c = 0; c < channels; c++) {
            m[c] = cfg.mean().get(c);
            d[c] = cfg.std().get(c);
            if (!(d[c] > 0)) {
                throw new TbarException("model.std: every value must be > 0, got " + cfg.std());
            }
        }
        return new Normalization(m, d);
    }

    private static Path path(String s) {
        return blank(s) ? null : Path.of(s);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
