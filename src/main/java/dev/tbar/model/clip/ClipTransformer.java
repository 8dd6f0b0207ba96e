package dev.tbar.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.tbar.model.Layers;
import dev.tbar.model.StateDict;
import dev.tbar.util.NDArrays;
import java.util.Arrays;
import java.util.LinkedHashMap;

/**
 * The pre-LayerNorm transformer shared by both CLIP towers, over tensors named like Hugging Face's
 * {@code encoder.layers.N.{layer_norm1, self_attn.{q,k,v,out}_proj, layer_norm2, mlp.fc1, mlp.fc2}}.
 */
final class ClipTransformer {
    private static final float QUICK_GELU_SLOPE = 1.702f;

    private ClipTransformer() {}

    /** Shapes of {@code layers} blocks under {@code prefix} (e.g. {@code vision_model.encoder.layers.}). */
    static void shapes(LinkedHashMap<String, Shape> out, String prefix, int layers, int width, int mlp) {
        for (int i = 0; i < layers; i++) {
            String p = prefix + i + ".";
            norm(out, p + "layer_norm1", width);
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                out.put(p + "self_attn." + proj + ".weight", new Shape(width, width));
                out.put(p + "self_attn." + proj + ".bias", new Shape(width));
            }
            norm(out, p + "layer_norm2", width);
            out.put(p + "mlp.fc1.weight", new Shape(mlp, width));
            out.put(p + "mlp.fc1.bias", new Shape(mlp));
            out.put(p + "mlp.fc2.weight", new Shape(width, mlp));
            out.put(p + "mlp.fc2.bias", new Shape(width));
        }
    }

    static void norm(LinkedHashMap<String, Shape> out, String name, int width) {
        out.put(name + ".weight", new Shape(width));
        out.put(name + ".bias", new Shape(width));
    }

    /** Runs every block on x (N, L, W); {@code mask} is an additive (L, L) attention mask or null. */
    static NDArray forward(StateDict w, String prefix, NDArray x, int layers, int heads, NDArray mask,
            ClipConfig.Activation act, float eps) {
        for (int i = 0; i < layers; i++) {
            String p = prefix + i + ".";
            x = x.add(attention(w, p + "self_attn.", Layers.layerNorm(w, p + "layer_norm1", x, eps), heads, mask));
            NDArray h = Layers.linear(w, p + "mlp.fc1", Layers.layerNorm(w, p + "layer_norm2", x, eps));
            x = x.add(Layers.linear(w, p + "mlp.fc2", activation(h, act)));
        }
        return x;
    }

    static NDArray activation(NDArray x, ClipConfig.Activation act) {
        return act == ClipConfig.Activation.QUICK_GELU
                ? x.mul(Activation.sigmoid(x.mul(NDArrays.scalar(x, QUICK_GELU_SLOPE))))
                : Activation.gelu(x);
    }

    /** Multi-head scaled dot-product self-attention; the query is scaled after its projection, as in CLIP. */
    private static NDArray attention(StateDict w, String p, NDArray x, int heads, NDArray mask) {
        Shape s = x.getShape();
        long n = s.get(0);
        long len = s.get(1);
        long width = s.get(2);
        long dh = width / heads;
        NDArray scale = NDArrays.scalar(x, (float) (1 / Math.sqrt(dh)));
        NDArray q = splitHeads(Layers.linear(w, p + "q_proj", x).mul(scale), heads);
        NDArray k = splitHeads(Layers.linear(w, p + "k_proj", x), heads);
        NDArray v = splitHeads(Layers.linear(w, p + "v_proj", x), heads);
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2));
        if (mask != null) {
            scores = scores.add(mask);
        }
        NDArray out = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(n, len, width);
        return Layers.linear(w, p + "out_proj", out);
    }

    /** (N, L, W) to (N, heads, L, W / heads). */
    private static NDArray splitHeads(NDArray x, int heads) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3);
    }

    /** Additive causal mask: position i attends to positions 0..i only. */
    static NDArray causalMask(NDManager m, int len) {
        float[] v = new float[len * len];
        for (int i = 0; i < len; i++) {
            Arrays.fill(v, i * len + i + 1, (i + 1) * len, Float.NEGATIVE_INFINITY);
        }
        return dev.tbar.util.NDArrays.owned(m.create(v, new Shape(len, len))); // not a view of a Java buffer
    }
}
