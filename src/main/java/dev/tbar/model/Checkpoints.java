package dev.tbar.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.tbar.TbarException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Strict loading and saving of model weights as safetensors: every expected key, no extra key, exact shapes. */
public final class Checkpoints {
    private Checkpoints() {}

    /**
     * Loads {@code file} into a state for {@code model}; an optional {@code module.} prefix is removed. PyTorch files
     * ({@code .th}, {@code .pt}, {@code .pth}) go through {@link TorchLegacyReader}, anything else is safetensors.
     */
    public static StateDict load(ImageClassifier model, Path file, NDManager manager) {
        Map<String, NDArray> read = TorchLegacyReader.handles(file) ? TorchLegacyReader.read(file, manager)
                : Safetensors.read(file, manager).tensors();
        LinkedHashMap<String, NDArray> raw = new LinkedHashMap<>();
        read.forEach((k, v) -> raw.put(k.startsWith("module.") ? k.substring(7) : k, v));
        try {
            return fromTensors(model, raw, manager, file.toString());
        } finally {
            raw.values().forEach(NDArray::close);
        }
    }

    /** Builds a state from named tensors, checking keys and shapes against {@code model}. Inputs are copied. */
    public static StateDict fromTensors(ImageClassifier model, Map<String, NDArray> tensors, NDManager manager,
            String source) {
        List<String> problems = new ArrayList<>();
        TreeSet<String> extra = new TreeSet<>(tensors.keySet());
        StateDict w = new StateDict(manager);
        check(model.parameterShapes(), false, tensors, extra, problems, w);
        check(model.bufferShapes(), true, tensors, extra, problems, w);
        // PyTorch adds num_batches_tracked to BatchNorm; it has no effect with a fixed momentum.
        extra.removeIf(k -> k.endsWith(".num_batches_tracked"));
        if (!extra.isEmpty()) {
            problems.add("unexpected keys " + abbreviate(extra));
        }
        if (!problems.isEmpty()) {
            w.close();
            throw new TbarException(source + ": weights do not fit model '" + model.name() + "' with "
                    + model.numClasses() + " classes: " + String.join("; ", problems));
        }
        return w;
    }

    private static void check(Map<String, Shape> expected, boolean buffer, Map<String, NDArray> tensors,
            TreeSet<String> extra, List<String> problems, StateDict out) {
        List<String> missing = new ArrayList<>();
        expected.forEach((name, shape) -> {
            NDArray t = tensors.get(name);
            extra.remove(name);
            if (t == null) {
                missing.add(name);
            } else if (!t.getShape().equals(shape)) {
                problems.add("key '" + name + "' has shape " + t.getShape() + ", expected " + shape);
            } else if (!t.getDataType().isFloating()) {
                problems.add("key '" + name + "' holds " + t.getDataType() + " values, expected floating point");
            } else {
                // A real copy: toType(F32, true) of an F32 array is a view (torch's to() does not copy), and arrays
                // read from a file borrow Java memory that is freed once they are closed and collected.
                NDArray v = t.getDataType() == DataType.FLOAT32 ? t.duplicate() : t.toType(DataType.FLOAT32, true);
                out.put(name, v, buffer);
                String bad = implausible(name, v);
                if (bad != null) {
                    problems.add(bad);
                }
            }
        });
        if (!missing.isEmpty()) {
            problems.add("missing keys " + abbreviate(missing));
        }
    }

    /**
     * Why the values of tensor {@code name} cannot be a model's, or null: NaN or infinite entries (a broken model
     * predicts one class, which would read as a perfect attack) or a negative BatchNorm variance.
     */
    public static String implausible(String name, NDArray v) {
        if (v.isNaN().any().getBoolean() || v.isInfinite().any().getBoolean()) {
            return "tensor '" + name + "' holds NaN or infinite values";
        }
        if (name.endsWith("running_var") && v.lt(0f).any().getBoolean()) {
            return "tensor '" + name + "' is a BatchNorm variance with negative entries";
        }
        return null;
    }

    private static String abbreviate(java.util.Collection<String> keys) {
        List<String> l = new ArrayList<>(keys);
        return l.size() <= 8 ? l.toString() : l.subList(0, 8) + " and " + (l.size() - 8) + " more";
    }

    /** Saves parameters and buffers, in model order, with optional metadata. */
    public static void save(StateDict w, Path file, Map<String, String> metadata) {
        Safetensors.write(file, w.asMap(), metadata);
    }
}
