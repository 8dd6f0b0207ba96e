package dev.tbar.invert;

import ai.djl.ndarray.NDArray;
import dev.tbar.TbarException;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import dev.tbar.model.clip.ClipClassifier;
import dev.tbar.model.clip.ClipModel;
import dev.tbar.model.clip.ClipPreprocess;
import java.util.Collection;
import java.util.List;

/** An image encoder as a function: pixels (N, C, H, W) in [0, 1] to embeddings (N, D), weights held inside. */
@FunctionalInterface
public interface ImageEncoder {
    NDArray embed(NDArray pixels);

    /**
     * The long-lived tensors {@link #embed} reads (its weights): lent to each optimisation step so that results
     * computed from them are freed with the step.
     */
    default Collection<NDArray> tensors() {
        return List.of();
    }

    /**
     * The encoder inside a classifier: a CLIP classifier's image tower ({@link #clip(ClipClassifier, StateDict)}),
     * else the penultimate features ({@link ImageClassifier#features}, evaluation mode). {@code weights} must not
     * record gradients (the inversion would leave some on them).
     */
    static ImageEncoder of(ImageClassifier model, StateDict weights) {
        if (model instanceof ClipClassifier clip) {
            return clip(clip, weights);
        }
        if (model.headName() == null) {
            throw new TbarException("model '" + model.name() + "' does not expose its penultimate features, which"
                    + " DECREE needs as an image encoder");
        }
        return new ImageEncoder() {
            @Override
            public NDArray embed(NDArray pixels) {
                return model.features(weights, pixels, false);
            }

            @Override
            public Collection<NDArray> tensors() {
                return weights.asMap().values();
            }
        };
    }

    /** A CLIP classifier's image tower, from its weights (see {@link #clip(ClipModel, StateDict)}). */
    static ImageEncoder clip(ClipClassifier model, StateDict weights) {
        return clip(model.clip(), weights);
    }

    /**
     * CLIP's image embedding (projected, not normalised) from full CLIP or classifier weights; inputs of another size
     * are resized to the tower's resolution as {@link ClipClassifier} does.
     */
    static ImageEncoder clip(ClipModel model, StateDict weights) {
        ClipPreprocess resize = new ClipPreprocess(model.config().imageSize());
        return new ImageEncoder() {
            @Override
            public NDArray embed(NDArray pixels) {
                return model.encodeImage(weights, resize.resizeBatch(pixels));
            }

            @Override
            public Collection<NDArray> tensors() {
                return weights.asMap().values();
            }
        };
    }
}
