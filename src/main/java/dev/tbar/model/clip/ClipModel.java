package dev.tbar.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import dev.tbar.TbarException;
import dev.tbar.model.Init;
import dev.tbar.model.Layers;
import dev.tbar.model.Normalization;
import dev.tbar.model.StateDict;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * CLIP (Radford et al. 2021) as pure functions of a {@link StateDict} in Hugging Face {@code CLIPModel} names: a
 * ViT image tower (patch conv without bias, class token, position embedding, pre-LayerNorm, pre-LN blocks, LayerNorm
 * of the class token, projection without bias), a causal text transformer pooled at the end-of-text token, and
 * {@code logit_scale} (stored as a log, shape (1)). Open_clip/OpenAI files are converted to these names on load
 * ({@link ClipCheckpoint}).
 *
 * <p>Results are created on the manager of the input tensor, so a sub-manager per batch frees everything.
 */
public final class ClipModel {
    static final String V = "vision_model.";
    static final String T = "text_model.";
    public static final String VISUAL_PROJECTION = "visual_projection.weight";
    public static final String TEXT_PROJECTION = "text_projection.weight";
    public static final String LOGIT_SCALE = "logit_scale";

    /** CLIP's pixel statistics (OpenAI preprocessing), applied to [0, 1] pixels. */
    public static final Normalization NORMALIZATION = new Normalization(
            new float[] {0.48145466f, 0.4578275f, 0.40821073f}, new float[] {0.26862954f, 0.26130258f, 0.27577711f});

    private final ClipConfig cfg;
    private final LinkedHashMap<String, Shape> vision = new LinkedHashMap<>();
    private final LinkedHashMap<String, Shape> text = new LinkedHashMap<>();
    private final LinkedHashMap<String, Shape> all = new LinkedHashMap<>();

    public ClipModel(ClipConfig cfg) {
        this.cfg = cfg;
        int vw = cfg.visionWidth();
        vision.put(V + "embeddings.class_embedding", new Shape(vw));
        vision.put(V + "embeddings.patch_embedding.weight", new Shape(vw, 3, cfg.patchSize(), cfg.patchSize()));
        vision.put(V + "embeddings.position_embedding.weight", new Shape(cfg.gridSize() * cfg.gridSize() + 1, vw));
        ClipTransformer.norm(vision, V + "pre_layrnorm", vw);
        ClipTransformer.shapes(vision, V + "encoder.layers.", cfg.visionLayers(), vw, cfg.visionMlp());
        ClipTransformer.norm(vision, V + "post_layernorm", vw);
        vision.put(VISUAL_PROJECTION, new Shape(cfg.projectionDim(), vw));
        int tw = cfg.textWidth();
        text.put(T + "embeddings.token_embedding.weight", new Shape(cfg.vocabSize(), tw));
        text.put(T + "embeddings.position_embedding.weight", new Shape(cfg.contextLength(), tw));
        ClipTransformer.shapes(text, T + "encoder.layers.", cfg.textLayers(), tw, cfg.textMlp());
        ClipTransformer.norm(text, T + "final_layer_norm", tw);
        text.put(TEXT_PROJECTION, new Shape(cfg.projectionDim(), tw));
        all.putAll(vision);
        all.putAll(text);
        all.put(LOGIT_SCALE, new Shape(1));
    }

    public ClipConfig config() {
        return cfg;
    }

    /** Image tower tensors including {@code visual_projection.weight}, in order. */
    public Map<String, Shape> visionShapes() {
        return Collections.unmodifiableMap(vision);
    }

    /** Text tower tensors including {@code text_projection.weight}, in order. */
    public Map<String, Shape> textShapes() {
        return Collections.unmodifiableMap(text);
    }

    /** Every tensor of the model (all are trainable parameters): vision, text, {@code logit_scale}. */
    public Map<String, Shape> parameterShapes() {
        return Collections.unmodifiableMap(all);
    }

    /**
     * Seeded random weights (normal(0, 0.02) matrices and embeddings, zero biases, unit LayerNorms, logit scale
     * log(1/0.07) as in CLIP), for tests and from-scratch runs; real use loads pretrained weights.
     */
    public StateDict initialize(NDManager manager, long seed) {
        return initialize(manager, seed, all);
    }

    static StateDict initialize(NDManager manager, long seed, Map<String, Shape> shapes) {
        SplittableRandom rnd = new SplittableRandom(seed);
        StateDict w = new StateDict(manager);
        NDManager m = w.manager();
        shapes.forEach((name, shape) -> {
            NDArray v;
            if (name.equals(LOGIT_SCALE)) {
                v = dev.tbar.util.NDArrays.owned(m.create(new float[] {(float) Math.log(1 / 0.07)}, shape));
            } else if (name.contains("norm") && name.endsWith(".weight")) {
                v = m.ones(shape);
            } else if (name.endsWith(".bias")) {
                v = m.zeros(shape);
            } else {
                v = Init.normal(m, shape, 0.02, rnd);
            }
            w.putParameter(name, v);
        });
        return w;
    }

    /** Pooled image features (N, visionWidth): LayerNorm of the class token. Input is already CLIP-normalised. */
    public NDArray visionPooled(StateDict w, NDArray normalizedPixels) {
        Shape s = normalizedPixels.getShape();
        if (s.dimension() != 4 || s.get(1) != 3 || s.get(2) != cfg.imageSize() || s.get(3) != cfg.imageSize()) {
            throw new TbarException("CLIP image tower expects pixels of shape (N, 3, " + cfg.imageSize() + ", "
                    + cfg.imageSize() + "), got " + s + "; resize images first (see ClipPreprocess)");
        }
        NDManager m = normalizedPixels.getManager();
        long n = s.get(0);
        int width = cfg.visionWidth();
        NDArray x = Layers.conv2d(w, V + "embeddings.patch_embedding", normalizedPixels, cfg.patchSize(), 0, false);
        x = x.reshape(n, width, -1).transpose(0, 2, 1); // (N, patches, W)
        // adding onto zeros broadcasts the class token into this batch's manager, not the weights'
        NDArray cls = m.zeros(new Shape(n, 1, width)).add(w.get(V + "embeddings.class_embedding"));
        x = NDArrays.concat(new NDList(cls, x), 1).add(w.get(V + "embeddings.position_embedding.weight"));
        x = Layers.layerNorm(w, V + "pre_layrnorm", x, cfg.visionEps());
        x = ClipTransformer.forward(w, V + "encoder.layers.", x, cfg.visionLayers(), cfg.visionHeads(), null,
                cfg.activation(), cfg.visionEps());
        return Layers.layerNorm(w, V + "post_layernorm", x.get(":, 0, :"), cfg.visionEps());
    }

    /** Projected image embedding (N, projectionDim), not normalised, from CLIP-normalised pixels. */
    public NDArray encodeImageNormalized(StateDict w, NDArray normalizedPixels) {
        return Layers.linear(w, "visual_projection", visionPooled(w, normalizedPixels));
    }

    /** Projected image embedding (N, projectionDim), not normalised, from pixels in [0, 1]. */
    public NDArray encodeImage(StateDict w, NDArray pixels) {
        return encodeImageNormalized(w, NORMALIZATION.apply(pixels));
    }

    /**
     * Pooled text features (N, textWidth): final LayerNorm output at each row's end-of-text token, found as the
     * largest id (the end token has the largest id in CLIP's vocabulary). {@code ids} is (N, L), L <= context.
     */
    public NDArray textPooled(StateDict w, NDArray ids) {
        Shape s = ids.getShape();
        if (s.dimension() != 2 || s.get(1) < 1 || s.get(1) > cfg.contextLength()) {
            throw new TbarException("CLIP text tower expects token ids of shape (N, L) with 1 <= L <= "
                    + cfg.contextLength() + ", got " + s);
        }
        NDManager m = ids.getManager();
        NDArray tokens = ids.getDataType() == DataType.INT64 ? ids : ids.toType(DataType.INT64, false);
        long n = s.get(0);
        int len = (int) s.get(1);
        int width = cfg.textWidth();
        NDArray x = Embedding.embedding(tokens, w.get(T + "embeddings.token_embedding.weight"), SparseFormat.DENSE)
                .singletonOrThrow();
        // positions by lookup rather than slicing, so the result lives on the batch manager and L may be short
        NDArray pos = Embedding.embedding(m.arange(0, len, 1, DataType.INT64),
                w.get(T + "embeddings.position_embedding.weight"), SparseFormat.DENSE).singletonOrThrow();
        x = x.add(pos);
        x = ClipTransformer.forward(w, T + "encoder.layers.", x, cfg.textLayers(), cfg.textHeads(),
                ClipTransformer.causalMask(m, len), cfg.activation(), cfg.textEps());
        x = Layers.layerNorm(w, T + "final_layer_norm", x, cfg.textEps());
        NDArray eot = tokens.argMax(1).reshape(n, 1, 1).broadcast(n, 1, width);
        return x.gather(eot, 1).reshape(n, width);
    }

    /** Projected text embedding (N, projectionDim), not normalised. */
    public NDArray encodeText(StateDict w, NDArray ids) {
        return Layers.linear(w, "text_projection", textPooled(w, ids));
    }

    /** Rows scaled to unit L2 norm. */
    public static NDArray normalize(NDArray x) {
        return x.div(x.norm(new int[] {-1}, true));
    }

    /** exp(logit_scale) as a scalar tensor on {@code m}, still differentiable w.r.t. the weight. */
    public static NDArray logitScale(StateDict w, NDManager m) {
        return m.zeros(new Shape(1)).add(w.get(LOGIT_SCALE)).exp();
    }

    /** (images, texts) similarity logits: exp(logit_scale) times cosine of the embeddings. */
    public NDArray logitsPerImage(StateDict w, NDArray imageEmbeds, NDArray textEmbeds) {
        NDArray cos = normalize(imageEmbeds).matMul(normalize(textEmbeds).transpose());
        return cos.mul(logitScale(w, imageEmbeds.getManager()));
    }
}
