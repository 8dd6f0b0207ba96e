package dev.tbar.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.tbar.TbarException;
import dev.tbar.model.StateDict;
import java.util.Map;
import java.util.TreeSet;

/**
 * A first-order optimizer written in NDArray ops, with its whole state in a {@link StateDict} plus a step counter, so
 * that a checkpoint can save and restore it (DJL's own optimizers keep their state private). Updates are applied in
 * place: callers run {@link #step} outside a gradient collector (no-grad), so parameters stay the same leaf tensors.
 * Results of an op join the first operand's manager: the training loop temporarily attaches parameters and
 * {@link #state()} to its per-step manager, so the temporaries made here are freed with that step.
 */
public abstract class Optimizer implements AutoCloseable {
    protected final TrainConfig cfg;
    protected final StateDict state;
    private long steps;

    protected Optimizer(TrainConfig cfg, StateDict weights) {
        this.cfg = cfg;
        this.state = new StateDict(weights.manager().getParentManager());
    }

    /** The optimizer named by {@code cfg.optimizer()}, with zero state shaped like the parameters of {@code weights}. */
    public static Optimizer create(TrainConfig cfg, StateDict weights) {
        switch (cfg.optimizer()) {
            case SGD: return new Sgd(cfg, weights);
            case ADAMW: return new AdamW(cfg, weights);
            default: throw new IllegalStateException(cfg.optimizer().toString());
        }
    }

    /** Applies one update with learning rate {@code lr}; {@code grads} holds a gradient for every parameter. */
    public final void step(StateDict weights, Map<String, NDArray> grads, double lr) {
        steps++;
        for (String name : weights.parameterNames()) {
            NDArray g = grads.get(name);
            if (g == null) {
                throw new IllegalArgumentException("no gradient for parameter '" + name + "'");
            }
            update(name, weights.get(name), g, (float) lr, decays(name, weights.get(name)), steps);
        }
    }

    /** Updates parameter {@code p} in place; {@code t} is the 1-based number of this step. */
    protected abstract void update(String name, NDArray p, NDArray g, float lr, boolean decay, long t);

    /** Weight decay skips 1-D tensors (norm scales/shifts, biases) unless train.decay_1d is set. */
    protected boolean decays(String name, NDArray p) {
        return cfg.weightDecay() > 0 && (cfg.decayOneDim() || p.getShape().dimension() > 1);
    }

    /** Adds a zero state tensor per parameter, named {@code prefix + parameter}. */
    protected final void zerosLike(StateDict weights, String prefix) {
        for (String name : weights.parameterNames()) {
            NDArray p = weights.get(name);
            state.putBuffer(prefix + name, state.manager().zeros(p.getShape(), DataType.FLOAT32));
        }
    }

    /** Live state tensors (not copies), for checkpoints. */
    public StateDict state() {
        return state;
    }

    /** Number of updates applied so far (AdamW's bias correction depends on it). */
    public long steps() {
        return steps;
    }

    /** Replaces the state by checkpointed tensors; names, shapes and dtypes must match exactly. */
    public void load(Map<String, NDArray> tensors, long stepsDone, String source) {
        TreeSet<String> extra = new TreeSet<>(tensors.keySet());
        extra.removeAll(state.names());
        if (!extra.isEmpty()) {
            throw new TbarException(source + ": optimizer state has unexpected tensors " + extra + " for train."
                    + "optimizer=" + cfg.describe().get("optimizer"));
        }
        for (String name : state.names()) {
            NDArray cur = state.get(name);
            NDArray v = tensors.get(name);
            if (v == null || !v.getShape().equals(cur.getShape()) || v.getDataType() != cur.getDataType()) {
                throw new TbarException(source + ": optimizer state '" + name + "' is "
                        + (v == null ? "missing" : v.getDataType() + " " + v.getShape()) + ", expected "
                        + cur.getDataType() + " " + cur.getShape());
            }
        }
        for (String name : state.names()) {
            state.putBuffer(name, tensors.get(name).duplicate());
        }
        this.steps = stepsDone;
    }

    @Override
    public void close() {
        state.close();
    }
}
