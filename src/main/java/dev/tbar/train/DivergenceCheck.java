package dev.tbar.train;

import dev.tbar.TbarException;

/** Stops a run whose loss or gradient norm is no longer finite, with a message that says which setting to change. */
final class DivergenceCheck implements TrainListener {
    private final TrainConfig cfg;

    DivergenceCheck(TrainConfig cfg) {
        this.cfg = cfg;
    }

    @Override
    public void onStep(Step s) {
        if (!Double.isFinite(s.loss())) {
            throw diverged(s.step(), "loss=" + s.loss());
        }
        if (!Double.isFinite(s.gradNorm())) {
            throw diverged(s.step(), "gradient norm=" + s.gradNorm());
        }
    }

    private TbarException diverged(long step, String what) {
        return new TbarException("training diverged at step " + step + " (" + what + "); lower train.lr (now "
                + cfg.lr() + ")" + (cfg.clipNorm() == 0 ? " or set train.clip_norm" : ""));
    }
}
