package dev.tbar.model.clip;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tbar.TbarException;
import dev.tbar.util.Errors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Sizes of a CLIP model (ViT image tower, transformer text tower, shared projection).
 *
 * @param activation MLP activation of both towers: OpenAI's weights use quick_gelu, most open_clip models gelu
 */
public record ClipConfig(
        int visionWidth, int visionLayers, int visionHeads, int visionMlp, int patchSize, int imageSize,
        float visionEps, int textWidth, int textLayers, int textHeads, int textMlp, int vocabSize, int contextLength,
        float textEps, int projectionDim, Activation activation) {

    /** MLP activations used by CLIP checkpoints. */
    public enum Activation {
        /** x * sigmoid(1.702 x), OpenAI's approximation. */
        QUICK_GELU,
        /** Exact (erf) GELU. */
        GELU;

        static Activation parse(String name, String source, String key) {
            switch (name) {
                case "quick_gelu": return QUICK_GELU;
                case "gelu": return GELU;
                default: throw new TbarException(source + ": " + key + " is '" + name
                        + "', expected quick_gelu or gelu");
            }
        }
    }

    /** OpenAI's ViT-B/32 (the usual CLIP baseline). */
    public static final ClipConfig VIT_B_32 = new ClipConfig(768, 12, 12, 3072, 32, 224, 1e-5f, 512, 12, 8, 2048,
            49408, 77, 1e-5f, 512, Activation.QUICK_GELU);

    public ClipConfig {
        check("vision width/heads", visionWidth > 0 && visionHeads > 0 && visionWidth % visionHeads == 0,
                visionWidth + "/" + visionHeads);
        check("text width/heads", textWidth > 0 && textHeads > 0 && textWidth % textHeads == 0,
                textWidth + "/" + textHeads);
        check("image size/patch size", patchSize > 0 && imageSize > 0 && imageSize % patchSize == 0,
                imageSize + "/" + patchSize);
        check("layers", visionLayers > 0 && textLayers > 0, visionLayers + ", " + textLayers);
        check("mlp sizes", visionMlp > 0 && textMlp > 0, visionMlp + ", " + textMlp);
        check("vocabulary/context/projection", vocabSize > 0 && contextLength > 0 && projectionDim > 0,
                vocabSize + ", " + contextLength + ", " + projectionDim);
    }

    private static void check(String what, boolean ok, String got) {
        if (!ok) {
            throw new TbarException("invalid CLIP config: " + what + " = " + got
                    + " (sizes must be positive, widths divisible by heads, image size by patch size)");
        }
    }

    /** Patches per image side. */
    public int gridSize() {
        return imageSize / patchSize;
    }

    /** A short label such as {@code clip-vit-b32-224} for names and reports. */
    public String label() {
        return "clip-vit-w" + visionWidth + "-l" + visionLayers + "-p" + patchSize + "-" + imageSize;
    }

    /**
     * Reads a Hugging Face {@code CLIPModel} config.json, or an open_clip model config ({@code embed_dim},
     * {@code vision_cfg}, {@code text_cfg}, possibly wrapped in {@code model_cfg}). Keys a HF file leaves out take
     * HF's documented defaults, as transformers does.
     */
    public static ClipConfig read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new TbarException(file + ": CLIP config file not found");
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new TbarException(file + ": cannot read CLIP config JSON: " + Errors.reason(e), e);
        }
        return parse(root, file.toString());
    }

    /** A config from JSON text, e.g. the {@code clip_config} metadata tbar writes beside classifier weights. */
    public static ClipConfig parse(String json, String source) {
        try {
            return parse(new ObjectMapper().readTree(json), source);
        } catch (IOException e) {
            throw new TbarException(source + ": cannot read CLIP config JSON: " + Errors.reason(e), e);
        }
    }

    private static ClipConfig parse(JsonNode root, String src) {
        if (root == null || !root.isObject()) {
            throw new TbarException(src + ": CLIP config must be a JSON object");
        }
        if (root.has("model_cfg")) {
            return fromOpenClip(root.get("model_cfg"), src);
        }
        if (root.has("vision_cfg")) {
            return fromOpenClip(root, src);
        }
        if (root.has("vision_config") || root.has("text_config") || root.has("vision_config_dict")) {
            return fromHf(root, src);
        }
        throw new TbarException(src + ": not a CLIP config: expected vision_config/text_config (Hugging Face) or"
                + " vision_cfg/text_cfg (open_clip)");
    }

    /** This config as a Hugging Face {@code CLIPModel} config.json, which {@link #read} and {@link #parse} accept. */
    public String toHfJson() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode().put("model_type", "clip").put("projection_dim", projectionDim);
        String act = activation == Activation.QUICK_GELU ? "quick_gelu" : "gelu";
        root.putObject("vision_config").put("hidden_size", visionWidth).put("num_hidden_layers", visionLayers)
                .put("num_attention_heads", visionHeads).put("intermediate_size", visionMlp)
                .put("patch_size", patchSize).put("image_size", imageSize).put("layer_norm_eps", visionEps)
                .put("hidden_act", act);
        root.putObject("text_config").put("hidden_size", textWidth).put("num_hidden_layers", textLayers)
                .put("num_attention_heads", textHeads).put("intermediate_size", textMlp).put("vocab_size", vocabSize)
                .put("max_position_embeddings", contextLength).put("layer_norm_eps", textEps).put("hidden_act", act);
        try {
            return m.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ClipConfig fromHf(JsonNode root, String src) {
        String type = root.path("model_type").asText("clip");
        if (!type.equals("clip")) {
            throw new TbarException(src + ": model_type is '" + type + "', expected 'clip'");
        }
        // older transformers releases wrote *_config_dict
        JsonNode v = root.has("vision_config") ? root.path("vision_config") : root.path("vision_config_dict");
        JsonNode t = root.has("text_config") ? root.path("text_config") : root.path("text_config_dict");
        int channels = integer(v, "num_channels", 3, src, "vision_config");
        if (channels != 3) {
            throw new TbarException(src + ": vision_config.num_channels is " + channels + ", expected 3 (RGB)");
        }
        String vAct = v.path("hidden_act").asText("quick_gelu");
        String tAct = t.path("hidden_act").asText("quick_gelu");
        if (!vAct.equals(tAct)) {
            throw new TbarException(src + ": vision_config.hidden_act '" + vAct + "' differs from text_config"
                    + ".hidden_act '" + tAct + "'; tbar needs one activation for both towers");
        }
        return new ClipConfig(
                integer(v, "hidden_size", 768, src, "vision_config"),
                integer(v, "num_hidden_layers", 12, src, "vision_config"),
                integer(v, "num_attention_heads", 12, src, "vision_config"),
                integer(v, "intermediate_size", 3072, src, "vision_config"),
                integer(v, "patch_size", 32, src, "vision_config"),
                integer(v, "image_size", 224, src, "vision_config"),
                (float) v.path("layer_norm_eps").asDouble(1e-5),
                integer(t, "hidden_size", 512, src, "text_config"),
                integer(t, "num_hidden_layers", 12, src, "text_config"),
                integer(t, "num_attention_heads", 8, src, "text_config"),
                integer(t, "intermediate_size", 2048, src, "text_config"),
                integer(t, "vocab_size", 49408, src, "text_config"),
                integer(t, "max_position_embeddings", 77, src, "text_config"),
                (float) t.path("layer_norm_eps").asDouble(1e-5),
                integer(root, "projection_dim", 512, src, "config"),
                Activation.parse(vAct, src, "vision_config.hidden_act"));
    }

    /** open_clip's model config: heads of the image tower come from its head width (default 64). */
    private static ClipConfig fromOpenClip(JsonNode root, String src) {
        JsonNode v = root.path("vision_cfg");
        JsonNode t = root.path("text_cfg");
        int vWidth = integer(v, "width", 768, src, "vision_cfg");
        int headWidth = integer(v, "head_width", 64, src, "vision_cfg");
        if (headWidth <= 0) {
            throw new TbarException(src + ": vision_cfg.head_width is " + headWidth + ", expected > 0");
        }
        int tWidth = integer(t, "width", 512, src, "text_cfg");
        double vRatio = v.path("mlp_ratio").asDouble(4.0);
        double tRatio = t.path("mlp_ratio").asDouble(4.0);
        return new ClipConfig(vWidth, integer(v, "layers", 12, src, "vision_cfg"), vWidth / headWidth,
                (int) Math.round(vWidth * vRatio), integer(v, "patch_size", 16, src, "vision_cfg"),
                integer(v, "image_size", 224, src, "vision_cfg"), 1e-5f, tWidth,
                integer(t, "layers", 12, src, "text_cfg"), integer(t, "heads", 8, src, "text_cfg"),
                (int) Math.round(tWidth * tRatio), integer(t, "vocab_size", 49408, src, "text_cfg"),
                integer(t, "context_length", 77, src, "text_cfg"), 1e-5f,
                integer(root, "embed_dim", 512, src, "model config"),
                root.path("quick_gelu").asBoolean(false) ? Activation.QUICK_GELU : Activation.GELU);
    }

    private static int integer(JsonNode node, String key, int dflt, String src, String section) {
        JsonNode n = node.get(key);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.canConvertToInt() || !n.isIntegralNumber()) {
            throw new TbarException(src + ": " + section + "." + key + " is " + n + ", expected an integer");
        }
        return n.asInt();
    }

    /**
     * Infers a config from tensor shapes in tbar's internal (Hugging Face) layout. Head counts are not stored in
     * weights: they follow OpenAI's convention of 64-wide heads unless given ({@code headWidth}); OpenAI's
     * quick_gelu is assumed unless another activation is given. Pass a config file when either differs.
     */
    public static ClipConfig inferFromShapes(Map<String, Shape> shapes, int headWidth, Activation activation,
            String source) {
        if (headWidth <= 0) {
            throw new TbarException(source + ": the attention head width must be > 0, got " + headWidth);
        }
        Shape patch = need(shapes, ClipModel.V + "embeddings.patch_embedding.weight", source, 4);
        Shape vPos = need(shapes, ClipModel.V + "embeddings.position_embedding.weight", source, 2);
        Shape tPos = need(shapes, ClipModel.T + "embeddings.position_embedding.weight", source, 2);
        int vWidth = (int) patch.get(0);
        int tWidth = (int) tPos.get(1);
        int grid = (int) Math.round(Math.sqrt(vPos.get(0) - 1));
        if (grid * grid + 1 != vPos.get(0)) {
            throw new TbarException(source + ": vision position embedding has " + vPos.get(0)
                    + " rows, expected a square number of patches plus one class token");
        }
        int p = (int) patch.get(2);
        return new ClipConfig(vWidth, countLayers(shapes, ClipModel.V), Math.max(1, vWidth / headWidth),
                (int) need(shapes, ClipModel.V + "encoder.layers.0.mlp.fc1.weight", source, 2).get(0), p, grid * p,
                1e-5f, tWidth, countLayers(shapes, ClipModel.T), Math.max(1, tWidth / headWidth),
                (int) need(shapes, ClipModel.T + "encoder.layers.0.mlp.fc1.weight", source, 2).get(0),
                (int) need(shapes, ClipModel.T + "embeddings.token_embedding.weight", source, 2).get(0),
                (int) tPos.get(0), 1e-5f, (int) need(shapes, "visual_projection.weight", source, 2).get(0), activation);
    }

    private static int countLayers(Map<String, Shape> shapes, String tower) {
        int n = 0;
        while (shapes.containsKey(tower + "encoder.layers." + n + ".layer_norm1.weight")) {
            n++;
        }
        return n;
    }

    /** The shape of {@code key}, which must be there with {@code rank} dimensions, none of them zero. */
    private static Shape need(Map<String, Shape> shapes, String key, String source, int rank) {
        Shape s = shapes.get(key);
        if (s == null) {
            throw new TbarException(source + ": cannot infer the CLIP config: tensor '" + key + "' is missing");
        }
        if (s.dimension() != rank || s.size() == 0) {
            throw new TbarException(source + ": cannot infer the CLIP config: tensor '" + key + "' has shape " + s
                    + ", expected " + rank + " non-zero dimensions");
        }
        return s;
    }
}
