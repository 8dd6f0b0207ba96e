package dev.tbar.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import dev.tbar.util.NDArrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Renames open_clip / OpenAI CLIP tensors to tbar's internal (Hugging Face) names: the fused attention input
 * projection {@code in_proj_weight} (3W, W) is split into q, k, v in that order, and {@code visual.proj} and
 * {@code text_projection}, stored (width, dim) to be right-multiplied, are transposed to (dim, width).
 */
final class OpenClipLayout {
    /** Scalars OpenAI's TorchScript exports keep beside the weights; they carry no weights. */
    private static final Set<String> METADATA = Set.of("input_resolution", "context_length", "vocab_size");

    private static final Map<String, String> DIRECT = Map.ofEntries(
            Map.entry("visual.conv1.weight", ClipModel.V + "embeddings.patch_embedding.weight"),
            Map.entry("visual.class_embedding", ClipModel.V + "embeddings.class_embedding"),
            Map.entry("visual.positional_embedding", ClipModel.V + "embeddings.position_embedding.weight"),
            Map.entry("visual.ln_pre.weight", ClipModel.V + "pre_layrnorm.weight"),
            Map.entry("visual.ln_pre.bias", ClipModel.V + "pre_layrnorm.bias"),
            Map.entry("visual.ln_post.weight", ClipModel.V + "post_layernorm.weight"),
            Map.entry("visual.ln_post.bias", ClipModel.V + "post_layernorm.bias"),
            Map.entry("token_embedding.weight", ClipModel.T + "embeddings.token_embedding.weight"),
            Map.entry("positional_embedding", ClipModel.T + "embeddings.position_embedding.weight"),
            Map.entry("ln_final.weight", ClipModel.T + "final_layer_norm.weight"),
            Map.entry("ln_final.bias", ClipModel.T + "final_layer_norm.bias"),
            Map.entry("logit_scale", ClipModel.LOGIT_SCALE));

    private static final Map<String, String> TRANSPOSED = Map.of(
            "visual.proj", ClipModel.VISUAL_PROJECTION,
            "text_projection", ClipModel.TEXT_PROJECTION);

    /** Block sub-names: open_clip suffix to HF suffix (after {@code encoder.layers.N.}). */
    private static final Map<String, String> BLOCK = Map.ofEntries(
            Map.entry("attn.out_proj.weight", "self_attn.out_proj.weight"),
            Map.entry("attn.out_proj.bias", "self_attn.out_proj.bias"),
            Map.entry("ln_1.weight", "layer_norm1.weight"), Map.entry("ln_1.bias", "layer_norm1.bias"),
            Map.entry("ln_2.weight", "layer_norm2.weight"), Map.entry("ln_2.bias", "layer_norm2.bias"),
            Map.entry("mlp.c_fc.weight", "mlp.fc1.weight"), Map.entry("mlp.c_fc.bias", "mlp.fc1.bias"),
            Map.entry("mlp.c_proj.weight", "mlp.fc2.weight"), Map.entry("mlp.c_proj.bias", "mlp.fc2.bias"));

    private OpenClipLayout() {}

    /**
     * Internal-layout view of {@code in}. Renamed entries are the input arrays themselves; split and transposed
     * ones are new arrays. Keys that fit no rule are added to {@code unexpected}.
     */
    static LinkedHashMap<String, NDArray> toInternal(Map<String, NDArray> in, List<String> unexpected) {
        LinkedHashMap<String, NDArray> out = new LinkedHashMap<>();
        in.forEach((key, v) -> {
            if (METADATA.contains(key)) {
                return;
            }
            if (DIRECT.containsKey(key)) {
                out.put(DIRECT.get(key), v);
            } else if (TRANSPOSED.containsKey(key) && v.getShape().dimension() == 2) {
                out.put(TRANSPOSED.get(key), transposedCopy(v));
            } else if (key.startsWith("visual.transformer.resblocks.")) {
                block(key, key.substring("visual.transformer.resblocks.".length()), ClipModel.V, v, out, unexpected);
            } else if (key.startsWith("transformer.resblocks.")) {
                block(key, key.substring("transformer.resblocks.".length()), ClipModel.T, v, out, unexpected);
            } else {
                unexpected.add(key);
            }
        });
        return out;
    }

    /**
     * A row-major copy of v's transpose, so both layouts run the very same kernels (bit-identical outputs). The
     * array made from {@code toByteBuffer()} borrows memory that dies with {@code t}, hence the owned copy.
     */
    private static NDArray transposedCopy(NDArray v) {
        try (NDArray t = v.transpose()) {
            return NDArrays.owned(v.getManager().create(t.toByteBuffer(), t.getShape(), t.getDataType()));
        }
    }

    private static void block(String key, String rest, String tower, NDArray v, Map<String, NDArray> out,
            List<String> unexpected) {
        int dot = rest.indexOf('.');
        if (dot <= 0 || !rest.substring(0, dot).chars().allMatch(Character::isDigit)) {
            unexpected.add(key);
            return;
        }
        String prefix = tower + "encoder.layers." + rest.substring(0, dot) + ".self_attn.";
        String sub = rest.substring(dot + 1);
        if (sub.equals("attn.in_proj_weight") || sub.equals("attn.in_proj_bias")) {
            if (v.getShape().dimension() == 0 || v.getShape().get(0) % 3 != 0) {
                unexpected.add(key + " of shape " + v.getShape() + " (expected 3*width rows: q, k, v)");
                return;
            }
            String suffix = sub.endsWith("weight") ? "_proj.weight" : "_proj.bias";
            NDList qkv = v.split(3, 0);
            out.put(prefix + "q" + suffix, qkv.get(0));
            out.put(prefix + "k" + suffix, qkv.get(1));
            out.put(prefix + "v" + suffix, qkv.get(2));
        } else if (BLOCK.containsKey(sub)) {
            out.put(tower + "encoder.layers." + rest.substring(0, dot) + "." + BLOCK.get(sub), v);
        } else {
            unexpected.add(key);
        }
    }
}
