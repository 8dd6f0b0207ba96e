package dev.tbar.taskvector;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.tbar.TbarException;
import dev.tbar.model.Safetensors;
import dev.tbar.model.StateDict;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.BinaryOperator;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;

/**
 * A task vector {@code tau = theta_finetuned - theta_base}: a direction in weight space, stored as one tensor per
 * parameter name, with the algebra of task arithmetic (scale, add, negate, apply with a coefficient).
 *
 * <p><b>What belongs to tau.</b> Only floating-point <em>parameters</em>. Buffers (BatchNorm running mean and
 * variance) are statistics of the data a model last saw, not learned directions: adding or subtracting them can
 * produce nonsense such as a negative variance. Non-float tensors (integer ids, counters) have no meaningful
 * difference either. {@link #applyTo} therefore copies the base's buffers and non-float tensors unchanged; a later
 * step may re-estimate BatchNorm statistics on clean data.
 *
 * <p><b>Strictness.</b> Both states, and the vector and the state it is applied to, must have the same parameter
 * names, shapes and dtypes; any mismatch is a {@link TbarException} naming the key. Use {@link #restrictTo} to act
 * on a subset of layers while keeping every key.
 *
 * <p><b>Memory.</b> Every vector owns its own {@link NDManager} (a sub-manager of the parent it was created on) and
 * every operation returns a new vector, so closing one never invalidates another. Intermediate results live in a
 * scratch manager that is closed before the method returns.
 */
public final class TaskVector implements AutoCloseable {
    /** Metadata key marking a safetensors file as a task vector, so a model checkpoint is not loaded as one. */
    public static final String FORMAT_KEY = "tbar.format";

    public static final String FORMAT_VALUE = "task-vector";

    private final NDManager manager;
    private final LinkedHashMap<String, NDArray> deltas = new LinkedHashMap<>();
    private final Map<String, String> metadata;

    private TaskVector(NDManager parent, Map<String, String> metadata) {
        this.manager = parent.newSubManager();
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** {@code finetuned - base} over the floating-point parameters; owned by the base state's parent manager. */
    public static TaskVector between(StateDict base, StateDict finetuned) {
        return between(base, finetuned, base.manager().getParentManager());
    }

    public static TaskVector between(StateDict base, StateDict finetuned, NDManager parent) {
        Set<String> names = floatParameters(base);
        Set<String> other = floatParameters(finetuned);
        for (String k : names) {
            if (!other.contains(k)) {
                throw new TbarException("task vector: key '" + k + "' is a float parameter of the base state but "
                        + (finetuned.contains(k) ? "a buffer or non-float tensor" : "missing") + " in the fine-tuned"
                        + " state");
            }
        }
        for (String k : other) {
            if (!names.contains(k)) {
                throw new TbarException("task vector: key '" + k + "' is a float parameter of the fine-tuned state but "
                        + (base.contains(k) ? "a buffer or non-float tensor" : "missing") + " in the base state");
            }
        }
        TaskVector out = new TaskVector(parent, Map.of());
        try {
            for (String k : names) {
                NDArray b = base.get(k);
                NDArray f = finetuned.get(k);
                checkCompatible(k, b, f, "base", "fine-tuned");
                NDArray d = f.sub(b);
                d.attach(out.manager);
                out.deltas.put(k, d);
            }
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return out;
    }

    /** A vector holding copies of {@code deltas} (floating-point tensors only), in map order. */
    public static TaskVector of(Map<String, NDArray> deltas, NDManager parent) {
        TaskVector out = new TaskVector(parent, Map.of());
        deltas.forEach((k, v) -> {
            if (!v.getDataType().isFloating()) {
                out.close();
                throw new TbarException("task vector: key '" + k + "' has dtype " + v.getDataType()
                        + "; a task vector holds floating-point tensors only");
            }
            NDArray c = v.duplicate();
            c.attach(out.manager);
            out.deltas.put(k, c);
        });
        return out;
    }

    /** {@code a * tau}. */
    public TaskVector scale(double a) {
        return map((k, t) -> t.mul(a));
    }

    /** Each tensor times its own coefficient, e.g. one alpha per layer. */
    public TaskVector scale(ToDoubleFunction<String> coefficient) {
        return map((k, t) -> t.mul(coefficient.applyAsDouble(k)));
    }

    public TaskVector negate() {
        return map((k, t) -> t.neg());
    }

    /** {@code tau + other}; both must have the same keys and shapes. */
    public TaskVector add(TaskVector other) {
        return combine(other, NDArray::add);
    }

    /** {@code tau - other}; both must have the same keys and shapes. */
    public TaskVector subtract(TaskVector other) {
        return combine(other, NDArray::sub);
    }

    /**
     * TIES-style trimming: keeps the fraction {@code keep} of all entries with the largest magnitude (over the whole
     * vector, ties at the threshold kept) and zeroes the others.
     */
    public TaskVector trim(double keep) {
        if (!(keep > 0 && keep <= 1)) {
            throw new IllegalArgumentException("keep must be in (0, 1], got " + keep);
        }
        long n = numel();
        if (keep == 1 || n == 0) {
            return scale(1);
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new TbarException("task vector of " + n + " entries is too large to trim");
        }
        float[] magnitudes = new float[(int) n];
        int at = 0;
        for (NDArray t : deltas.values()) {
            NDArray f = t.getDataType() == DataType.FLOAT32 ? t : t.toType(DataType.FLOAT32, true);
            for (float x : f.toFloatArray()) {
                magnitudes[at++] = Math.abs(x);
            }
            if (f != t) {
                f.close();
            }
        }
        java.util.Arrays.sort(magnitudes);
        float threshold = magnitudes[(int) (n - Math.max(1, Math.round(keep * n)))];
        return map((k, t) -> t.mul(t.abs().gte(threshold).toType(t.getDataType(), false)));
    }

    /**
     * Each entry divided by {@code 1 + strength * w / mean(w)}, with {@code w} a non-negative weighting of the same
     * shape (e.g. the clean task's {@link Fisher} information) and its mean taken over all entries: the vector
     * shrinks where {@code w} is large. Strength 0, or a weighting that is zero everywhere, leaves it unchanged.
     */
    public TaskVector damp(TaskVector w, double strength) {
        if (!(strength >= 0) || Double.isInfinite(strength)) {
            throw new IllegalArgumentException("strength must be finite and >= 0, got " + strength);
        }
        checkSameKeys(w);
        double total = 0;
        try (NDManager scratch = manager.newSubManager()) {
            for (NDArray a : w.deltas.values()) {
                tempAttach(a, scratch);
                total += a.toType(DataType.FLOAT64, false).sum().getDouble();
            }
        }
        long n = w.numel();
        if (strength == 0 || n == 0 || total <= 0) {
            return scale(1);
        }
        double k = strength * n / total;
        return combine(w, (t, f) -> t.div(f.mul(k).add(1)));
    }

    /** Keeps the entries whose name passes {@code keep} and zeroes the rest, so the key set stays complete. */
    public TaskVector restrictTo(Predicate<String> keep) {
        TaskVector out = new TaskVector(manager.getParentManager(), Map.of());
        deltas.forEach((k, v) -> {
            NDArray c = keep.test(k) ? v.duplicate() : v.zerosLike();
            c.attach(out.manager);
            out.deltas.put(k, c);
        });
        return out;
    }

    /**
     * A new state {@code base + alpha * tau}: parameters in tau are shifted, everything else (buffers, non-float
     * tensors) is copied from {@code base}. The result is owned by the base state's parent manager.
     */
    public StateDict applyTo(StateDict base, double alpha) {
        Set<String> names = floatParameters(base);
        for (String k : deltas.keySet()) {
            if (!names.contains(k)) {
                throw new TbarException("task vector: key '" + k + "' is not a float parameter of the state it is"
                        + " applied to" + (base.contains(k) ? " (it is a buffer or non-float tensor)" : ""));
            }
        }
        for (String k : names) {
            if (!deltas.containsKey(k)) {
                throw new TbarException("task vector: parameter '" + k + "' of the state is missing from the task"
                        + " vector");
            }
        }
        StateDict out = new StateDict(base.manager().getParentManager());
        try (NDManager scratch = manager.newSubManager()) {
            for (String k : base.names()) {
                NDArray b = base.get(k);
                NDArray t = deltas.get(k);
                if (t == null) {
                    out.put(k, b.duplicate(), base.isBuffer(k));
                    continue;
                }
                checkCompatible(k, b, t, "state", "task vector");
                tempAttach(t, scratch);
                NDArray step = t.mul(alpha);
                if (step.getDataType() != b.getDataType()) {
                    step = step.toType(b.getDataType(), false); // keep the state's dtype (no promotion to F64)
                }
                out.put(k, step.add(b), false);
            }
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return out;
    }

    /** Global L2 norm over all entries, accumulated in double precision. */
    public double norm() {
        return Math.sqrt(dot(this));
    }

    /** Sum over all entries of the elementwise product, in double precision. */
    public double dot(TaskVector other) {
        checkSameKeys(other);
        double sum = 0;
        try (NDManager scratch = manager.newSubManager()) {
            for (Map.Entry<String, NDArray> e : deltas.entrySet()) {
                NDArray a = e.getValue();
                NDArray b = other.deltas.get(e.getKey());
                checkCompatible(e.getKey(), a, b, "this vector", "the other vector");
                tempAttach(a, scratch);
                tempAttach(b, scratch);
                NDArray a64 = a.toType(DataType.FLOAT64, false);
                NDArray b64 = a == b ? a64 : b.toType(DataType.FLOAT64, false);
                sum += a64.mul(b64).sum().getDouble();
            }
        }
        return sum;
    }

    /** Cosine similarity; NaN when either vector is zero (the angle is undefined). */
    public double cosine(TaskVector other) {
        double d = dot(other);
        double n = norm() * other.norm();
        return n == 0 ? Double.NaN : d / n;
    }

    /** L2 norm of each entry, in key order: shows which layers a fine-tuning moved most. */
    public LinkedHashMap<String, Double> layerNorms() {
        LinkedHashMap<String, Double> out = new LinkedHashMap<>();
        try (NDManager scratch = manager.newSubManager()) {
            deltas.forEach((k, v) -> {
                tempAttach(v, scratch);
                NDArray v64 = v.toType(DataType.FLOAT64, false);
                out.put(k, Math.sqrt(v64.mul(v64).sum().getDouble()));
            });
        }
        return out;
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(deltas.keySet());
    }

    public NDArray get(String name) {
        NDArray a = deltas.get(name);
        if (a == null) {
            throw new IllegalArgumentException("no entry named '" + name + "' in this task vector");
        }
        return a;
    }

    public int size() {
        return deltas.size();
    }

    /** Total number of scalar values. */
    public long numel() {
        long n = 0;
        for (NDArray a : deltas.values()) {
            n += a.size();
        }
        return n;
    }

    /** Metadata read by {@link #load}; empty for computed vectors. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Writes the vector as safetensors (atomically), with {@code metadata} plus the task-vector format marker. */
    public void save(Path file, Map<String, String> metadata) {
        LinkedHashMap<String, String> md = new LinkedHashMap<>();
        if (metadata != null) {
            md.putAll(metadata);
        }
        md.put(FORMAT_KEY, FORMAT_VALUE);
        Safetensors.write(file, deltas, md);
    }

    /** Reads a vector written by {@link #save}; a file without the format marker (e.g. a checkpoint) is refused. */
    public static TaskVector load(Path file, NDManager parent) {
        try (NDManager reading = parent.newSubManager()) {
            Safetensors.Contents c = Safetensors.read(file, reading);
            String format = c.metadata().get(FORMAT_KEY);
            if (!FORMAT_VALUE.equals(format)) {
                throw new TbarException(file + ": not a task vector: metadata '" + FORMAT_KEY + "' is "
                        + (format == null ? "absent" : "'" + format + "'") + ", expected '" + FORMAT_VALUE
                        + "' (is this a model checkpoint?)");
            }
            c.tensors().forEach((k, v) -> {
                if (!v.getDataType().isFloating()) {
                    throw new TbarException(file + ": task vector entry '" + k + "' has dtype " + v.getDataType()
                            + ", expected a floating-point type");
                }
            });
            TaskVector out = new TaskVector(parent, c.metadata());
            c.tensors().forEach((k, v) -> {
                v.attach(out.manager);
                out.deltas.put(k, v);
            });
            return out;
        }
    }

    @Override
    public void close() {
        manager.close();
    }

    private TaskVector map(BiFunction<String, NDArray, NDArray> op) {
        TaskVector out = new TaskVector(manager.getParentManager(), Map.of());
        try (NDManager scratch = manager.newSubManager()) {
            deltas.forEach((k, v) -> {
                tempAttach(v, scratch);
                NDArray r = op.apply(k, v);
                r.attach(out.manager);
                out.deltas.put(k, r);
            });
        }
        return out;
    }

    private TaskVector combine(TaskVector other, BinaryOperator<NDArray> op) {
        checkSameKeys(other);
        TaskVector out = new TaskVector(manager.getParentManager(), Map.of());
        try (NDManager scratch = manager.newSubManager()) {
            deltas.forEach((k, a) -> {
                NDArray b = other.deltas.get(k);
                checkCompatible(k, a, b, "this vector", "the other vector");
                tempAttach(a, scratch);
                tempAttach(b, scratch); // the operation may make intermediates from b too
                NDArray r = op.apply(a, b);
                r.attach(out.manager);
                out.deltas.put(k, r);
            });
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return out;
    }

    private void checkSameKeys(TaskVector other) {
        List<String> missing = new ArrayList<>();
        for (String k : deltas.keySet()) {
            if (!other.deltas.containsKey(k)) {
                missing.add("'" + k + "' only in this vector");
            }
        }
        for (String k : other.deltas.keySet()) {
            if (!deltas.containsKey(k)) {
                missing.add("'" + k + "' only in the other vector");
            }
        }
        if (!missing.isEmpty()) {
            throw new TbarException("task vectors have different keys: " + String.join(", ",
                    missing.subList(0, Math.min(8, missing.size()))) + (missing.size() > 8 ? " and "
                    + (missing.size() - 8) + " more" : ""));
        }
    }

    private static void checkCompatible(String key, NDArray a, NDArray b, String aName, String bName) {
        if (!a.getShape().equals(b.getShape())) {
            throw new TbarException("task vector: key '" + key + "' has shape " + a.getShape() + " in the " + aName
                    + " but " + b.getShape() + " in the " + bName);
        }
    }

    /** Float parameters in state order: the entries a task vector covers. */
    static Set<String> floatParameters(StateDict s) {
        Set<String> out = new LinkedHashSet<>();
        for (String k : s.parameterNames()) {
            if (s.get(k).getDataType().isFloating()) {
                out.add(k);
            }
        }
        return out;
    }

    /** Results of an op land on its first operand's manager: borrow it into the scratch so they are freed. */
    private static void tempAttach(NDArray a, NDManager scratch) {
        if (a.getManager() != scratch) {
            a.tempAttach(scratch);
        }
    }
}
