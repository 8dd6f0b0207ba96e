package dev.tbar.train;

import ai.djl.ndarray.NDArray;
import dev.tbar.model.StateDict;

/**
 * AdamW (Loshchilov and Hutter) as PyTorch computes it: {@code p *= 1 - lr * wd}; {@code m = b1 m + (1 - b1) g};
 * {@code v = b2 v + (1 - b2) g^2}; {@code p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)}.
 */
public final class AdamW extends Optimizer {
    static final String EXP_AVG = "exp_avg.";
    static final String EXP_AVG_SQ = "exp_avg_sq.";

    AdamW(TrainConfig cfg, StateDict weights) {
        super(cfg, weights);
        zerosLike(weights, EXP_AVG);
        zerosLike(weights, EXP_AVG_SQ);
    }

    @Override
    protected void update(String name, NDArray p, NDArray g, float lr, boolean decay, long t) {
        double b1 = cfg.beta1();
        double b2 = cfg.beta2();
        if (decay) {
            p.muli((float) (1 - lr * cfg.weightDecay()));
        }
        NDArray m = state.get(EXP_AVG + name);
        NDArray v = state.get(EXP_AVG_SQ + name);
        m.muli((float) b1).addi(g.mul((float) (1 - b1)));
        v.muli((float) b2).addi(g.square().muli((float) (1 - b2)));
        double bc1 = 1 - Math.pow(b1, t);
        double bc2 = 1 - Math.pow(b2, t);
        NDArray denom = v.sqrt().divi((float) Math.sqrt(bc2)).addi((float) cfg.eps());
        p.subi(m.div(denom).muli((float) (lr / bc1)));
    }
}
