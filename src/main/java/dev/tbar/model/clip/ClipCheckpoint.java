package dev.tbar.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.tbar.TbarException;
import dev.tbar.model.Safetensors;
import dev.tbar.model.StateDict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Loads CLIP weights from safetensors in either published layout into tbar's one internal layout (Hugging Face
 * {@code CLIPModel} names, see {@link ClipModel}), checking every key and shape.
 *
 * <ul>
 *   <li>Hugging Face: {@code vision_model.*}, {@code text_model.*}, {@code visual_projection.weight}, ...; the int64
 *       {@code *.embeddings.position_ids} buffers are verified to be 0..n-1 and dropped.
 *   <li>open_clip / OpenAI: {@code visual.conv1.weight}, fused {@code attn.in_proj_weight}, {@code visual.proj} and
 *       {@code text_projection} stored (width, dim), i.e. transposed; see {@link OpenClipLayout}.
 * </ul>
 */
public final class ClipCheckpoint {
    /** Source layout of a checkpoint. */
    public enum Layout { HUGGING_FACE, OPEN_CLIP }

    /** A loaded model: its config, its weights (owned by the caller) and the layout they came from. */
    public record Loaded(ClipConfig config, StateDict weights, Layout layout) implements AutoCloseable {
        public ClipModel model() {
            return new ClipModel(config);
        }

        @Override
        public void close() {
            weights.close();
        }
    }

    private static final String HF_MARKER = ClipModel.V + "embeddings.patch_embedding.weight";
    private static final String OPEN_CLIP_MARKER = "visual.conv1.weight";

    private ClipCheckpoint() {}

    /**
     * Loads {@code weights}; the config comes from {@code config} when non-null, else from a {@code config.json}
     * or {@code open_clip_config.json} beside the weights, else from the tensor shapes (64-wide heads, quick_gelu:
     * OpenAI's conventions; see {@link ClipConfig#inferFromShapes}).
     */
    public static Loaded load(Path weights, Path config, NDManager manager) {
        Safetensors.Contents c = Safetensors.read(weights, manager);
        try {
            return fromTensors(c.tensors(), resolveConfig(weights, config), manager, weights.toString());
        } finally {
            c.tensors().values().forEach(NDArray::close);
        }
    }

    public static Loaded load(Path weights, NDManager manager) {
        return load(weights, null, manager);
    }

    /**
     * Writes a full CLIP state as a Hugging Face checkpoint directory: {@code model.safetensors} (internal names,
     * which are HF's; {@code logit_scale} 0-d as transformers saves it) and {@code config.json}. Each file is written
     * atomically; {@link #load} and {@code model.weights: dir} read the result.
     */
    public static void saveHuggingFace(Path dir, ClipConfig config, StateDict weights) {
        Map<String, Shape> expected = new ClipModel(config).parameterShapes();
        if (!weights.names().equals(expected.keySet())) {
            throw new TbarException("saving a CLIP checkpoint to " + dir + ": the weights are not a full CLIP state"
                    + " for " + config.label() + " (expected " + abbreviate(expected.keySet()) + ")");
        }
        try (NDManager tmp = weights.manager().newSubManager()) {
            LinkedHashMap<String, NDArray> out = new LinkedHashMap<>();
            expected.keySet().forEach(k -> out.put(k, weights.get(k)));
            NDArray scale = tmp.create(weights.get(ClipModel.LOGIT_SCALE).toFloatArray()[0]);
            out.put(ClipModel.LOGIT_SCALE, scale);
            Safetensors.write(dir.resolve("model.safetensors"), out, Map.of("format", "pt"));
        }
        dev.tbar.util.AtomicFiles.writeString(dir.resolve("config.json"), config.toHfJson());
    }

    /** The given config file, else a config file beside the weights, else null (infer from shapes). */
    static ClipConfig resolveConfig(Path weights, Path config) {
        if (config != null) {
            return ClipConfig.read(config);
        }
        Path dir = weights.toAbsolutePath().getParent();
        for (String name : new String[] {"config.json", "open_clip_config.json"}) {
            if (dir != null && Files.isRegularFile(dir.resolve(name))) {
                return ClipConfig.read(dir.resolve(name));
            }
        }
        return null;
    }

    /**
     * Converts named tensors (either layout) to the internal layout and checks them against {@code config}, or
     * against a config inferred from the shapes when {@code config} is null. Inputs are copied, not consumed.
     */
    public static Loaded fromTensors(Map<String, NDArray> raw, ClipConfig config, NDManager manager, String source) {
        LinkedHashMap<String, NDArray> tensors = new LinkedHashMap<>();
        raw.forEach((k, v) -> tensors.put(k.startsWith("module.") ? k.substring(7) : k, v));
        Layout layout;
        LinkedHashMap<String, NDArray> internal;
        List<String> unexpected = new ArrayList<>();
        if (tensors.containsKey(HF_MARKER)) {
            layout = Layout.HUGGING_FACE;
            internal = new LinkedHashMap<>(tensors);
            for (String tower : new String[] {ClipModel.V, ClipModel.T}) {
                checkPositionIds(internal.remove(tower + "embeddings.position_ids"), tower, source);
            }
        } else if (tensors.containsKey(OPEN_CLIP_MARKER)) {
            layout = Layout.OPEN_CLIP;
            internal = OpenClipLayout.toInternal(tensors, unexpected);
        } else {
            throw new TbarException(source + ": not a CLIP checkpoint: expected Hugging Face CLIPModel keys ("
                    + HF_MARKER + ", text_model.embeddings.token_embedding.weight, visual_projection.weight, ...) or"
                    + " open_clip/OpenAI keys (" + OPEN_CLIP_MARKER + ", visual.class_embedding, token_embedding"
                    + ".weight, ...); the file has " + abbreviate(new TreeSet<>(tensors.keySet())));
        }
        try {
            ClipConfig cfg = config;
            if (cfg == null) {
                Map<String, Shape> shapes = new LinkedHashMap<>();
                internal.forEach((k, v) -> shapes.put(k, v.getShape()));
                cfg = ClipConfig.inferFromShapes(shapes, 64, ClipConfig.Activation.QUICK_GELU, source);
            }
            StateDict w = check(new ClipModel(cfg), internal, unexpected, manager, source + " (" + layout + ")");
            return new Loaded(cfg, w, layout);
        } finally {
            // converted tensors are new arrays (splits, transposes); inputs are left to the caller
            Set<NDArray> inputs = Collections.newSetFromMap(new IdentityHashMap<>());
            inputs.addAll(raw.values());
            internal.values().stream().filter(v -> !inputs.contains(v)).forEach(NDArray::close);
        }
    }

    private static StateDict check(ClipModel model, Map<String, NDArray> tensors, List<String> unexpected,
            NDManager manager, String source) {
        List<String> problems = new ArrayList<>();
        TreeSet<String> extra = new TreeSet<>(tensors.keySet());
        List<String> missing = new ArrayList<>();
        StateDict w = new StateDict(manager);
        model.parameterShapes().forEach((name, shape) -> {
            NDArray t = tensors.get(name);
            extra.remove(name);
            if (t == null) {
                missing.add(name);
            } else if (name.equals(ClipModel.LOGIT_SCALE) && t.size() == 1) {
                w.putParameter(name, t.toType(DataType.FLOAT32, true).reshape(shape)); // HF/OpenAI store it 0-d
            } else if (!t.getShape().equals(shape)) {
                problems.add("key '" + name + "' has shape " + t.getShape() + ", expected " + shape);
            } else {
                w.putParameter(name, t.toType(DataType.FLOAT32, true));
            }
        });
        if (!missing.isEmpty()) {
            problems.add("missing keys " + abbreviate(missing));
        }
        extra.addAll(unexpected);
        if (!extra.isEmpty()) {
            problems.add("unexpected keys " + abbreviate(extra));
        }
        if (!problems.isEmpty()) {
            w.close();
            ClipConfig c = model.config();
            throw new TbarException(source + ": weights do not fit CLIP config (vision width " + c.visionWidth()
                    + ", " + c.visionLayers() + " layers, patch " + c.patchSize() + ", image " + c.imageSize()
                    + "; text width " + c.textWidth() + ", " + c.textLayers() + " layers; projection "
                    + c.projectionDim() + "): " + String.join("; ", problems));
        }
        return w;
    }

    /** HF checkpoints carry position ids 0..n-1; anything else would change the model, so it is refused. */
    private static void checkPositionIds(NDArray ids, String tower, String source) {
        if (ids == null) {
            return; // newer transformers versions no longer save them
        }
        long[] v = ids.toType(DataType.INT64, false).toLongArray();
        for (int i = 0; i < v.length; i++) {
            if (v[i] != i) {
                throw new TbarException(source + ": " + tower + "embeddings.position_ids[" + i + "] is " + v[i]
                        + ", expected the positions 0.." + (v.length - 1) + " in order");
            }
        }
    }

    static String abbreviate(Collection<String> keys) {
        List<String> l = new ArrayList<>(keys);
        return l.size() <= 8 ? l.toString() : l.subList(0, 8) + " and " + (l.size() - 8) + " more";
    }
}
