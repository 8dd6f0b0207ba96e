package dev.tbar.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.tbar.TbarException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A small pre-LN Vision Transformer (Dosovitskiy et al. 2021) for low-resolution images: a strided convolution cuts
 * the image into non-overlapping patches, a learned class token is prepended, learned position embeddings are added,
 * then {@code depth} blocks of {@code x + attn(LN(x))} and {@code x + mlp(LN(x))}, a final LayerNorm, and a linear
 * head on the class token only. Tokens follow the patch grid in row-major order (token {@code 1 + r * g + c} is patch
 * row r, column c). There is no dropout and no BatchNorm, so {@code training} does not change the output.
 *
 * <p>Tensor names follow timm ({@code cls_token}, {@code pos_embed}, {@code patch_embed.proj.weight},
 * {@code blocks.0.attn.qkv.weight}, {@code blocks.0.mlp.fc1.weight}, {@code norm.weight}, {@code head.weight}); the
 * attention input projection is one fused (3 * width, width) matrix ordered q, k, v. Initialisation follows timm:
 * linear weights truncated normal with std 0.02 and zero bias, position embedding truncated normal 0.02, class token
 * normal 1e-6, patch convolution PyTorch's default uniform(+-1/sqrt(fan_in)), LayerNorm ones and zeros.
 */
public final class VisionTransformer implements ImageClassifier {
    /** timm's ViT LayerNorm epsilon. */
    static final float LN_EPS = 1e-6f;

    private static final double INIT_STD = 0.02;

    /**
     * Architecture of a ViT on square {@code imageSize} RGB inputs.
     *
     * @param patchSize side of a square patch; must divide {@code imageSize}
     * @param width token dimension; must be divisible by {@code heads}
     * @param mlpRatio hidden size of each MLP as a multiple of {@code width}
     */
    public record Config(int imageSize, int patchSize, int width, int depth, int heads, double mlpRatio) {
        /**
         * CIFAR-sized ViT: 4x4 patches give 64 tokens plus the class token; width 192 with 3 heads of 64 and depth
         * 6 (half of DeiT-Tiny's 12 blocks) is about 2.7M parameters, roughly 4x ResNet-20's compute per image.
         */
        public static final Config TINY = new Config(32, 4, 192, 6, 3, 4.0);

        /** For tests: 8x8 patches (16 tokens), width 32, 2 blocks of 2 heads; about 33k parameters. */
        public static final Config MICRO = new Config(32, 8, 32, 2, 2, 4.0);

        public Config {
            if (imageSize <= 0 || patchSize <= 0 || imageSize % patchSize != 0) {
                throw new IllegalArgumentException("patch size " + patchSize + " must divide image size " + imageSize);
            }
            if (width <= 0 || heads <= 0 || width % heads != 0) {
                throw new IllegalArgumentException("width " + width + " must be a positive multiple of heads " + heads);
            }
            if (depth < 0 || !(mlpRatio > 0) || (int) Math.round(width * mlpRatio) <= 0) {
                throw new IllegalArgumentException("need depth >= 0 and a positive MLP ratio, got depth " + depth
                        + ", ratio " + mlpRatio);
            }
        }

        public int gridSize() {
            return imageSize / patchSize;
        }

        /** Patch tokens plus the class token. */
        public int tokens() {
            return gridSize() * gridSize() + 1;
        }

        public int mlpHidden() {
            return (int) Math.round(width * mlpRatio);
        }
    }

    private final String name;
    private final Config cfg;
    private final int numClasses;
    private final Normalization normalization;
    private final LinkedHashMap<String, Shape> params = new LinkedHashMap<>();

    public VisionTransformer(String name, Config cfg, int numClasses, Normalization normalization) {
        this.name = name;
        this.cfg = cfg;
        this.numClasses = numClasses;
        this.normalization = normalization;
        int d = cfg.width();
        params.put("cls_token", new Shape(1, 1, d));
        params.put("pos_embed", new Shape(1, cfg.tokens(), d));
        params.put("patch_embed.proj.weight", new Shape(d, 3, cfg.patchSize(), cfg.patchSize()));
        params.put("patch_embed.proj.bias", new Shape(d));
        for (int i = 0; i < cfg.depth(); i++) {
            String p = "blocks." + i;
            layerNorm(p + ".norm1", d);
            linear(p + ".attn.qkv", 3 * d, d);
            linear(p + ".attn.proj", d, d);
            layerNorm(p + ".norm2", d);
            linear(p + ".mlp.fc1", cfg.mlpHidden(), d);
            linear(p + ".mlp.fc2", d, cfg.mlpHidden());
        }
        layerNorm("norm", d);
        linear("head", numClasses, d);
    }

    private void linear(String prefix, int out, int in) {
        params.put(prefix + ".weight", new Shape(out, in));
        params.put(prefix + ".bias", new Shape(out));
    }

    private void layerNorm(String prefix, int d) {
        params.put(prefix + ".weight", new Shape(d));
        params.put(prefix + ".bias", new Shape(d));
    }

    public Config config() {
        return cfg;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int[] inputShape() {
        return new int[] {3, cfg.imageSize(), cfg.imageSize()};
    }

    @Override
    public Map<String, Shape> parameterShapes() {
        return params;
    }

    @Override
    public Map<String, Shape> bufferShapes() {
        return Map.of();
    }

    @Override
    public StateDict initialize(NDManager manager, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        StateDict w = new StateDict(manager);
        NDManager m = w.manager();
        params.forEach((k, shape) -> {
            NDArray v;
            if (k.equals("cls_token")) {
                v = Init.normal(m, shape, 1e-6, rnd);
            } else if (k.equals("pos_embed")) {
                v = Init.truncatedNormal(m, shape, INIT_STD, 2, rnd);
            } else if (k.startsWith("patch_embed.")) {
                long fanIn = 3L * cfg.patchSize() * cfg.patchSize();
                v = Init.uniform(m, shape, 1 / Math.sqrt(fanIn), rnd);
            } else if (isLayerNorm(k)) {
                v = k.endsWith(".weight") ? m.ones(shape) : m.zeros(shape);
            } else {
                v = k.endsWith(".weight") ? Init.truncatedNormal(m, shape, INIT_STD, 2, rnd) : m.zeros(shape);
            }
            w.putParameter(k, v);
        });
        return w;
    }

    private static boolean isLayerNorm(String key) {
        return key.startsWith("norm.") || key.contains(".norm1.") || key.contains(".norm2.");
    }

    @Override
    public NDArray forward(StateDict w, NDArray pixels, boolean training) {
        return Layers.linear(w, "head", features(w, pixels, training));
    }

    @Override
    public String headName() {
        return "head";
    }

    /** The class token after the final LayerNorm, (N, width). */
    @Override
    public NDArray features(StateDict w, NDArray pixels, boolean training) {
        Shape in = pixels.getShape();
        if (in.dimension() != 4 || in.get(1) != 3 || in.get(2) != cfg.imageSize() || in.get(3) != cfg.imageSize()) {
            throw new TbarException("model '" + name + "' expects images of shape (N, 3, " + cfg.imageSize() + ", "
                    + cfg.imageSize() + "), got " + in + "; resize the data to " + cfg.imageSize() + "x"
                    + cfg.imageSize());
        }
        long n = in.get(0);
        int d = cfg.width();
        NDArray x = normalization.apply(pixels);
        x = Layers.conv2d(w, "patch_embed.proj", x, cfg.patchSize(), 0, true); // (N, D, g, g)
        x = x.reshape(n, d, -1).transpose(0, 2, 1); // (N, g*g, D), row-major over the grid
        NDArray cls = w.get("cls_token").broadcast(n, 1, d);
        x = NDArrays.concat(new NDList(cls, x), 1).add(w.get("pos_embed"));
        for (int i = 0; i < cfg.depth(); i++) {
            String p = "blocks." + i;
            x = x.add(attention(w, p + ".attn", Layers.layerNorm(w, p + ".norm1", x, LN_EPS)));
            x = x.add(mlp(w, p + ".mlp", Layers.layerNorm(w, p + ".norm2", x, LN_EPS)));
        }
        return Layers.layerNorm(w, "norm", x, LN_EPS).get(":, 0, :"); // class token only
    }

    /** Multi-head self-attention over all tokens, (N, T, D) -> (N, T, D). */
    private NDArray attention(StateDict w, String p, NDArray x) {
        long n = x.getShape().get(0);
        long t = x.getShape().get(1);
        int d = cfg.width();
        int h = cfg.heads();
        int hd = d / h;
        NDArray qkv = Layers.linear(w, p + ".qkv", x).reshape(n, t, 3, h, hd).transpose(2, 0, 3, 1, 4);
        NDArray q = qkv.get(0).mul(dev.tbar.util.NDArrays.scalar(x, (float) (1 / Math.sqrt(hd)))); // (N, H, T, hd)
        NDArray k = qkv.get(1);
        NDArray v = qkv.get(2);
        NDArray att = q.matMul(k.transpose(0, 1, 3, 2)).softmax(-1); // (N, H, T, T)
        NDArray o = att.matMul(v).transpose(0, 2, 1, 3).reshape(n, t, d);
        return Layers.linear(w, p + ".proj", o);
    }

    private static NDArray mlp(StateDict w, String p, NDArray x) {
        return Layers.linear(w, p + ".fc2", Activation.gelu(Layers.linear(w, p + ".fc1", x)));
    }
}
