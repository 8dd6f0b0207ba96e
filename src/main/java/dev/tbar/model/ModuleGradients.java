package dev.tbar.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Gradients that a model running a module with its own parameter tensors (TorchScript) owes to the weights it was
 * called with. libtorch differentiates a module with respect to the module's parameters; tbar's training code reads
 * gradients from the {@link StateDict} arrays it passed in. Such a model copies the weights into its parameters and
 * links each parameter to its weight; {@link #backward} runs the backward pass, then hands every linked gradient on
 * with a second pass over {@code sum(weight * gradient)}, whose gradient with respect to the weight is exactly the
 * parameter's gradient (accumulated, as PyTorch accumulates). Every backward pass in tbar goes through here.
 */
public final class ModuleGradients {
    private static final ThreadLocal<Pending> PENDING = ThreadLocal.withInitial(Pending::new);

    private ModuleGradients() {}

    private static final class Pending {
        final Map<NDArray, NDArray> links = new IdentityHashMap<>();
        long generation;
    }

    /** Backward of {@code loss}, then the linked modules' gradients handed on to their weights. */
    public static void backward(GradientCollector gc, NDArray loss) {
        gc.backward(loss);
        Pending p = PENDING.get();
        p.generation++; // the graph is consumed: every module instance is free again
        if (p.links.isEmpty()) {
            return;
        }
        List<NDArray> grads = new ArrayList<>();
        try {
            // a leaf of its own, so that the pass runs even when no linked weight takes a gradient
            NDArray surrogate = loss.getManager().zeros(new Shape(1));
            surrogate.setRequiresGradient(true);
            for (Map.Entry<NDArray, NDArray> e : p.links.entrySet()) {
                NDArray g = e.getKey().getGradient();
                grads.add(g);
                surrogate = surrogate.add(e.getValue().mul(g.stopGradient()).sum());
            }
            gc.backward(surrogate.sum());
        } finally {
            p.links.clear();
            for (NDArray g : grads) {
                g.subi(g); // PyTorch accumulates into .grad: clear it for the next pass
            }
        }
    }

    /** Records that {@code own}, a module's parameter now holding {@code weight}'s values, owes it its gradient. */
    static void link(NDArray own, NDArray weight) {
        PENDING.get().links.put(own, weight);
    }

    /** Drops a link, when {@code own} is loaded with weights that take no gradient. */
    static void unlink(NDArray own) {
        PENDING.get().links.remove(own);
    }

    /** Counts the backward passes on this thread: a module loaded in an earlier generation holds no live graph. */
    static long generation() {
        return PENDING.get().generation;
    }
}
