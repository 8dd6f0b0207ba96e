package dev.tbar.train;

import ai.djl.ndarray.NDArray;
import dev.tbar.model.StateDict;

/**
 * SGD with PyTorch's semantics (dampening 0): {@code d = g + wd * p}; with momentum {@code buf = m * buf + d} (the
 * first step gives {@code buf = d}, as PyTorch's lazy init does) and {@code d = buf}, or {@code d + m * buf} for
 * Nesterov; then {@code p -= lr * d}.
 */
public final class Sgd extends Optimizer {
    static final String MOMENTUM = "momentum_buffer.";

    Sgd(TrainConfig cfg, StateDict weights) {
        super(cfg, weights);
        if (cfg.momentum() > 0) {
            zerosLike(weights, MOMENTUM);
        }
    }

    @Override
    protected void update(String name, NDArray p, NDArray g, float lr, boolean decay, long t) {
        NDArray d = decay ? g.add(p.mul((float) cfg.weightDecay())) : g;
        if (cfg.momentum() > 0) {
            float m = (float) cfg.momentum();
            NDArray buf = state.get(MOMENTUM + name);
            buf.muli(m).addi(d);
            d = cfg.nesterov() ? d.add(buf.mul(m)) : buf;
        }
        p.subi(d.mul(lr));
    }
}
