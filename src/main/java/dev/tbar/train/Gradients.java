package dev.tbar.train;

import dev.tbar.model.ModuleGradients;
import dev.tbar.model.StateDict;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Gradients taken inside a training step, before the step's own gradient pass: the inner maximisation of adversarial
 * defenses (see {@link Objective#inner}).
 */
public final class Gradients {
    private Gradients() {}

    /**
     * A fresh leaf that records gradients and shares {@code x}'s storage (no copy): differentiate with respect to it
     * without touching {@code x}'s own gradient.
     */
    public static NDArray leaf(NDArray x) {
        NDArray l = x.stopGradient();
        l.setRequiresGradient(true);
        return l;
    }

    /**
     * The gradient of the scalar {@code loss} with respect to the weights named {@code names}, in {@code names}' order:
     * the loss is evaluated at {@code weights} with those tensors replaced by leaves sharing their storage, so the
     * weights' own gradients are not touched. Leaves and gradients belong to {@code step}.
     */
    public static NDArray[] ofWeights(StateDict weights, List<String> names, NDManager step,
            Function<StateDict, NDArray> loss) {
        Map<String, NDArray> leaves = new LinkedHashMap<>();
        for (String n : names) {
            NDArray l = leaf(weights.get(n));
            l.attach(step);
            leaves.put(n, l);
        }
        StateDict at = weights.overlay(step, leaves);
        return of(() -> loss.apply(at), leaves.values().toArray(NDArray[]::new));
    }

    /**
     * The gradient of the scalar {@code loss} with respect to each of {@code leaves} (made with {@link #leaf}), in
     * their own gradient pass. Arrays the loss reads that should not collect gradients must be detached (for weights,
     * {@code StateDict.detached}); the results are plain arrays.
     */
    public static NDArray[] of(Supplier<NDArray> loss, NDArray... leaves) {
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray l = loss.get();
            if (l.size() != 1) {
                throw new IllegalStateException("inner loss has shape " + l.getShape() + ", not a scalar");
            }
            ModuleGradients.backward(gc, l);
        }
        NDArray[] g = new NDArray[leaves.length];
        for (int i = 0; i < leaves.length; i++) {
            g[i] = leaves[i].getGradient().stopGradient();
        }
        return g;
    }
}
