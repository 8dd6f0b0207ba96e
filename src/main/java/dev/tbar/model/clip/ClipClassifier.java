package dev.tbar.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.tbar.TbarException;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.Init;
import dev.tbar.model.Layers;
import dev.tbar.model.StateDict;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * CLIP as an {@link ImageClassifier}: the image tower followed by a frozen zero-shot head, so tbar's training,
 * task-vector and evaluation code runs on CLIP unchanged. Parameters are the image tower's tensors (HF names, with
 * {@code visual_projection.weight}); the head {@value #HEAD} is a buffer holding exp(logit_scale) times the unit
 * class embeddings, so logits = head x normalised image embedding, CLIP's zero-shot logits.
 *
 * <p>Typical use: {@code ClipCheckpoint.load} a pretrained file, {@code ZeroShotHead.build} the head for the class
 * names, then {@link #weightsFrom}; the result saves and loads with {@code Checkpoints} like any other model.
 *
 * <p>Inputs are [0, 1] pixels; images of another size than the tower's are resized and centre-cropped inside the
 * forward pass with {@link ClipPreprocess}'s bicubic maps (differentiable, so trigger inversion works on them).
 */
public final class ClipClassifier implements ImageClassifier {
    public static final String HEAD = "zero_shot_head.weight";

    private final ClipModel clip;
    private final int numClasses;
    private final int inputSize;
    private final ClipPreprocess resize;
    private final LinkedHashMap<String, Shape> buffers = new LinkedHashMap<>();
    private final TextTower text;

    /**
     * The text side the zero-shot head was built from, kept for defenses that retrain both towers (CleanCLIP).
     *
     * @param weights the text tower, {@code text_projection.weight} and {@code logit_scale}, owned by the source
     */
    public record TextTower(StateDict weights, ClipTokenizer tokenizer, List<String> classNames,
            List<String> templates) {}

    /** A classifier fed {@code inputSize} x {@code inputSize} images (e.g. 32 for CIFAR-10). */
    public ClipClassifier(ClipConfig config, int numClasses, int inputSize) {
        this(config, numClasses, inputSize, null);
    }

    /** As above, also holding the text side the head came from (null: none). */
    public ClipClassifier(ClipConfig config, int numClasses, int inputSize, TextTower text) {
        if (numClasses < 1 || inputSize < 1) {
            throw new IllegalArgumentException("numClasses and inputSize must be positive, got " + numClasses
                    + " and " + inputSize);
        }
        this.clip = new ClipModel(config);
        this.numClasses = numClasses;
        this.inputSize = inputSize;
        this.text = text;
        this.resize = new ClipPreprocess(config.imageSize());
        buffers.put(HEAD, new Shape(numClasses, config.projectionDim()));
    }

    /** A classifier fed images at the tower's own resolution. */
    public ClipClassifier(ClipConfig config, int numClasses) {
        this(config, numClasses, config.imageSize());
    }

    public ClipModel clip() {
        return clip;
    }

    /** The text side, or null when the classifier was loaded from classifier weights alone. */
    public TextTower textTower() {
        return text;
    }

    @Override
    public String name() {
        return clip.config().label();
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int[] inputShape() {
        return new int[] {3, inputSize, inputSize};
    }

    @Override
    public Map<String, Shape> parameterShapes() {
        return clip.visionShapes();
    }

    @Override
    public Map<String, Shape> bufferShapes() {
        return Collections.unmodifiableMap(buffers);
    }

    /** Random image tower (see {@link ClipModel#initialize}) and a random unit-norm head scaled by 1/0.07. */
    @Override
    public StateDict initialize(NDManager manager, long seed) {
        StateDict w = ClipModel.initialize(manager, seed, clip.visionShapes());
        SplittableRandom rnd = new SplittableRandom(seed).split(); // a stream apart from the tower's draws
        try (NDManager tmp = manager.newSubManager()) {
            NDArray head = ClipModel.normalize(Init.normal(tmp, buffers.get(HEAD), 1.0, rnd)).mul(1 / 0.07f);
            w.putBuffer(HEAD, head);
        }
        return w;
    }

    /**
     * Classifier weights from a full CLIP state: copies of the image tower and the head buffer
     * exp(logit_scale) * {@code unitHead} (from {@link ZeroShotHead}), owned by {@code manager}.
     */
    public StateDict weightsFrom(StateDict clipWeights, NDArray unitHead, NDManager manager) {
        if (!unitHead.getShape().equals(buffers.get(HEAD))) {
            throw new TbarException("zero-shot head has shape " + unitHead.getShape() + ", expected "
                    + buffers.get(HEAD) + " (classes x projection dim)");
        }
        StateDict w = new StateDict(manager);
        for (String name : clip.visionShapes().keySet()) {
            w.putParameter(name, clipWeights.get(name).duplicate().stopGradient());
        }
        float scale = (float) Math.exp(clipWeights.get(ClipModel.LOGIT_SCALE).getFloat());
        w.putBuffer(HEAD, unitHead.mul(scale)); // a new array, moved into w
        return w;
    }

    /** Zero-shot logits (N, numClasses); there is no dropout or BatchNorm, so {@code training} changes nothing. */
    @Override
    public NDArray forward(StateDict weights, NDArray pixels, boolean training) {
        return Layers.linear(weights, "zero_shot_head", features(weights, pixels, training));
    }

    @Override
    public String headName() {
        return "zero_shot_head";
    }

    /** The unit-norm image embedding the zero-shot head scores. */
    @Override
    public NDArray features(StateDict weights, NDArray pixels, boolean training) {
        return ClipModel.normalize(clip.encodeImage(weights, resize.resizeBatch(pixels)));
    }
}
