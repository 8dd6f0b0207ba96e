package dev.tbar.model;

import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import dev.tbar.TbarException;
import dev.tbar.util.Errors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A user's own PyTorch classifier, scripted or traced to TorchScript: pixels (N, C, H, W) in [0, 1] in (optionally
 * normalised here first), logits (N, classes) out. Its float parameters and buffers (BatchNorm statistics) are tbar's
 * weights under the module's own names, so every defense and command works on it.
 *
 * <p>libtorch runs the program with the module's own tensors, so each forward pass copies the given weights into a
 * module instance and, in training mode, copies the updated buffers back; gradients reach the weights through
 * {@link ModuleGradients}. A gradient pass may use up to {@value #POOL} weight sets (a few instances of the module),
 * enough for the adversarial defenses. Running a TorchScript program runs the user's code inside libtorch (no
 * Python): load only models you would run. Not thread-safe.
 */
public final class TorchScriptClassifier implements ImageClassifier {
    static final int POOL = 4;

    private final Path file;
    private final NDManager manager;
    private final Path program;
    private final int[] inputShape;
    private final Normalization normalization;
    private final LinkedHashMap<String, Shape> params = new LinkedHashMap<>();
    private final LinkedHashMap<String, Shape> buffers = new LinkedHashMap<>();
    private final List<Instance> pool = new ArrayList<>();
    private final StateDict fileWeights;
    private final int numClasses;
    /** Each BatchNorm running buffer's update momentum, as the program has it (PyTorch's default is 0.1). */
    private final Map<String, Float> momenta = new LinkedHashMap<>();
    private long clock;

    /** One loaded copy of the module, its tensors by tbar's names, and the weights it holds now. */
    private static final class Instance {
        final PtSymbolBlock block;
        final Map<String, NDArray> own = new LinkedHashMap<>();
        /** The parameters that owe their gradient to the weights loaded now. */
        final Set<String> linked = new HashSet<>();
        StateDict bound;
        long generation = -1;
        boolean withGrad;
        Boolean training;
        long used;

        Instance(PtSymbolBlock block) {
            this.block = block;
        }
    }

    private TorchScriptClassifier(Path file, int[] inputShape, Normalization normalization, NDManager parent) {
        this.file = file;
        this.inputShape = inputShape.clone();
        this.normalization = normalization;
        this.manager = parent.newSubManager();
        try (TorchScriptArchive archive = TorchScriptArchive.open(file)) { // checked by tbar before libtorch
            this.program = Files.createTempFile("tbar-torchscript-", ".pt");
            program.toFile().deleteOnExit();
            archive.writeWithBuffersAsParameters(program);
        } catch (IOException e) {
            throw new TbarException(file + ": cannot stage the TorchScript program: " + Errors.reason(e), e);
        }
        Set<String> trainable = new HashSet<>();
        PtSymbolBlock original = loadModule(file);
        original.getDirectParameters().forEach(p -> trainable.add(p.getKey()));
        original.close();
        Instance first = newInstance();
        first.block.getDirectParameters().forEach(p -> {
            NDArray a = p.getValue().getArray();
            boolean weight = trainable.contains(p.getKey());
            if (a.getDataType() == DataType.FLOAT32 && a.getShape().dimension() > 0) {
                (weight ? params : buffers).put(p.getKey(), a.getShape());
            } else if (weight) {
                throw new TbarException(file + ": parameter '" + p.getKey() + "' is " + a.getDataType() + " of shape "
                        + a.getShape() + "; only float32 models are supported");
            } // integer and scalar buffers (num_batches_tracked) stay inside the module
        });
        first.own.keySet().retainAll(names());
        this.fileWeights = new StateDict(manager);
        first.own.forEach((k, v) -> {
            String bad = Checkpoints.implausible(k, v);
            if (bad != null) {
                throw new TbarException(file + ": " + bad);
            }
            fileWeights.put(k, v.duplicate(), buffers.containsKey(k));
        });
        this.numClasses = probeClasses();
        probeMomenta();
    }

    /** Loads {@code file} for images of {@code inputShape} (channels, height, width). */
    public static TorchScriptClassifier load(Path file, int[] inputShape, Normalization normalization,
            NDManager manager) {
        if (!Files.isRegularFile(file)) {
            throw new TbarException("model.weights: TorchScript file " + file + " does not exist");
        }
        return new TorchScriptClassifier(file, inputShape, normalization, manager);
    }

    private PtSymbolBlock loadModule(Path path) {
        try {
            return JniUtils.loadModule((PtNDManager) manager, path, true, new String[0], new String[0], true);
        } catch (EngineException | IllegalArgumentException e) {
            throw new TbarException(file + ": libtorch cannot load it as TorchScript: " + Errors.reason(e), e);
        }
    }

    private Instance newInstance() {
        Instance in = new Instance(loadModule(program));
        in.block.getDirectParameters().forEach(p -> {
            NDArray a = p.getValue().getArray();
            if (a.getDataType().isFloating()) {
                a.setRequiresGradient(false); // gradients only where a forward pass links a weight
            }
            in.own.put(p.getKey(), a);
        });
        if (!pool.isEmpty()) {
            in.own.keySet().retainAll(names());
        }
        pool.add(in);
        return in;
    }

    private Set<String> names() {
        Set<String> s = new HashSet<>(params.keySet());
        s.addAll(buffers.keySet());
        return s;
    }

    private int probeClasses() {
        try (NDManager m = manager.newSubManager(); StateDict w = fileWeights.copy(m)) {
            NDArray out = run(w, m.zeros(new Shape(1, inputShape[0], inputShape[1], inputShape[2])), false, -1);
            if (out.getShape().dimension() != 2 || out.getShape().get(0) != 1) {
                throw new TbarException(file + ": the model maps one image of shape " + show(inputShape)
                        + " to an output of shape " + out.getShape() + "; expected logits (N, classes)");
            }
            return (int) out.getShape().get(1);
        }
    }

    /**
     * Measures the momentum of each {@code running_mean} / {@code running_var} buffer: a training-mode pass from
     * statistics 0 and one from statistics 1 on the same images differ by exactly 1 - momentum, so that a requested
     * momentum ({@link Layers#withBatchNormMomentum}: 1 for BatchNorm re-estimation, 0 for SAM's second pass) can
     * be honoured although the program fixes its own.
     */
    private void probeMomenta() {
        List<String> running = buffers.keySet().stream()
                .filter(k -> k.endsWith(".running_mean") || k.endsWith(".running_var")).toList();
        if (running.isEmpty()) {
            return;
        }
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.randomUniform(0, 1, new Shape(4, inputShape[0], inputShape[1], inputShape[2]));
            NDArray[] after = new NDArray[2];
            for (int v = 0; v < 2; v++) {
                StateDict w = fileWeights.copy(m);
                for (String k : running) {
                    w.putBuffer(k, v == 0 ? m.zeros(w.get(k).getShape()) : m.ones(w.get(k).getShape()));
                }
                run(w, x, true, numClasses);
                after[v] = m.create(new Shape(0));
                for (String k : running) {
                    after[v] = after[v].concat(w.get(k).flatten());
                }
            }
            float[] d = after[1].sub(after[0]).toFloatArray(); // = 1 - momentum, channel by channel
            int at = 0;
            for (String k : running) {
                int n = (int) buffers.get(k).size();
                float mu = 1 - d[at];
                for (int i = at; i < at + n; i++) {
                    if (Math.abs((1 - d[i]) - mu) > 1e-4) {
                        mu = Float.NaN; // not a constant momentum (e.g. momentum=None, a cumulative average)
                    }
                }
                momenta.put(k, mu);
                at += n;
            }
        }
    }

    @Override
    public String name() {
        return "torchscript";
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int[] inputShape() {
        return inputShape.clone();
    }

    @Override
    public Map<String, Shape> parameterShapes() {
        return params;
    }

    @Override
    public Map<String, Shape> bufferShapes() {
        return buffers;
    }

    /**
     * The last (classes, F) weight in parameter order, the output layer of any ordinary classifier; its features
     * are not reachable inside a TorchScript program, so only defenses that need the head alone (FST) can use it.
     */
    @Override
    public String headName() {
        String head = null;
        for (Map.Entry<String, Shape> e : params.entrySet()) {
            Shape s = e.getValue();
            if (e.getKey().endsWith(".weight") && s.dimension() == 2 && s.get(0) == numClasses) {
                head = e.getKey().substring(0, e.getKey().length() - ".weight".length());
            }
        }
        return head;
    }

    @Override
    public boolean exposesFeatures() {
        return false;
    }

    /** The file's own weights: a TorchScript model is defined by them, so {@code seed} is not used. */
    @Override
    public StateDict initialize(NDManager parent, long seed) {
        return fileWeights.copy(parent);
    }

    @Override
    public NDArray forward(StateDict weights, NDArray pixels, boolean training) {
        return run(weights, normalization == null ? pixels : normalization.apply(pixels), training, numClasses);
    }

    private NDArray run(StateDict w, NDArray x, boolean training, int classes) {
        Instance in = acquire(w);
        if (in.training == null || in.training != training) {
            if (training) {
                JniUtils.enableTrainingMode(in.block);
            } else {
                JniUtils.enableInferenceMode(in.block); // which also clears requires_grad: restore the links
            }
            in.own.forEach((k, own) -> own.setRequiresGradient(in.linked.contains(k)));
            in.training = training;
        }
        NDList out;
        try {
            out = IValueUtils.forward(in.block, new NDList(x), true); // false would make inference tensors
        } catch (EngineException e) {
            throw new TbarException(file + ": the TorchScript model failed on input " + x.getShape() + ": "
                    + Errors.reason(e), e);
        }
        if (out.size() != 1 || (classes > 0 && !out.get(0).getShape().equals(new Shape(x.getShape().get(0),
                classes)))) {
            throw new TbarException(file + ": the model returned " + out.size() + " output(s) of shape "
                    + out.get(0).getShape() + " for input " + x.getShape() + "; expected one tensor (N, classes)");
        }
        if (training) {
            storeBuffers(in, w);
        }
        return out.get(0);
    }

    /**
     * An instance for {@code w}: the one already holding it in the current gradient pass, else a free one (loaded
     * with {@code w}), else a new one. An instance that took part in a gradient pass that has not been run backward
     * yet is not free: overwriting its tensors would corrupt that graph.
     */
    private Instance acquire(StateDict w) {
        boolean grad = JniUtils.isGradMode();
        long gen = ModuleGradients.generation();
        Instance pick = null;
        for (Instance in : pool) {
            boolean live = in.withGrad && in.generation == gen;
            if (live && in.bound == w) {
                in.used = ++clock;
                return in;
            }
            if (!live && (pick == null || in.used < pick.used)) {
                pick = in;
            }
        }
        if (pick == null) {
            if (pool.size() >= POOL) {
                throw new TbarException(file + ": more than " + POOL + " different weight sets in one gradient pass"
                        + " of a TorchScript model");
            }
            pick = newInstance();
        }
        load(pick, w);
        pick.bound = w;
        pick.generation = gen;
        pick.withGrad = grad;
        pick.used = ++clock;
        return pick;
    }

    /** Loads {@code w} into the instance, linking each parameter that takes a gradient now to its weight. */
    private void load(Instance in, StateDict w) {
        boolean grad = JniUtils.isGradMode();
        withoutGraph(() -> in.own.forEach((k, own) -> {
            NDArray weight = w.get(k);
            own.set(new NDIndex(":"), weight);
            if (params.containsKey(k)) {
                // DJL cannot tell whether a computed weight (SAM's perturbed one) is tracked, so every parameter is
                // linked in a gradient pass; the hand-over gives untracked weights nothing
                boolean linked = grad;
                own.setRequiresGradient(linked);
                if (linked) {
                    in.linked.add(k);
                    ModuleGradients.link(own, weight);
                } else {
                    in.linked.remove(k);
                    ModuleGradients.unlink(own);
                }
            }
        }));
    }

    /**
     * Copies the instance's buffers, which a training-mode pass moved, back into the weights that own them. Under a
     * momentum override m, a running statistic r that the program moved to r' with its own momentum mu becomes
     * r + (m / mu)(r' - r): the update the override asks for.
     */
    private void storeBuffers(Instance in, StateDict w) {
        Float m = Layers.momentumOverride();
        withoutGraph(() -> buffers.keySet().forEach(k -> {
            NDArray moved = in.own.get(k);
            Float mu = momenta.get(k);
            if (m != null && mu != null) {
                if (!(mu > 0)) {
                    throw new TbarException(file + ": BatchNorm buffer '" + k + "' has no constant momentum (" + mu
                            + "), so a pass with momentum " + m + " (BatchNorm re-estimation) cannot be made");
                }
                NDArray r = w.get(k);
                r.set(new NDIndex(":"), r.add(moved.sub(r).mul(m / mu)));
                // the module's copy stays as it is (the graph saved it); it no longer holds w's values
                in.bound = null;
            } else {
                w.get(k).set(new NDIndex(":"), moved);
            }
        }));
    }

    private static void withoutGraph(Runnable r) {
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            r.run();
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    /**
     * Writes {@code w} as a TorchScript file: the original program and file with these values in its storages, so
     * that it loads in the user's PyTorch as before.
     */
    public void save(StateDict w, Path out) {
        Map<String, NDArray> values = new LinkedHashMap<>();
        names().forEach(k -> values.put(k, w.get(k)));
        try (TorchScriptArchive archive = TorchScriptArchive.open(file)) {
            archive.writeWith(values, out);
        }
    }

    private static String show(int[] s) {
        return java.util.Arrays.toString(s).replace('[', '(').replace(']', ')');
    }
}
