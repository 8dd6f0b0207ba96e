package dev.tbar.unlearn;

import dev.tbar.TbarException;
import dev.tbar.data.ImageDataset;
import dev.tbar.taskvector.Fisher;
import dev.tbar.taskvector.TaskVector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A trigger vector weighted by the clean task's Fisher information (tbar-fisher, a TBAR+ direction): tau is divided by
 * {@code 1 + strength * F / mean(F)}, with F the diagonal Fisher of the cross-entropy at theta_bd on the defender's
 * clean trigger-set images (true labels). Subtracting tau moves the weights the clean task depends on least; alpha
 * is then searched as usual, so only the shape of tau changes, not its scale.
 */
public final class TbarFisher {
    private static final Logger LOG = LoggerFactory.getLogger(TbarFisher.class);

    /**
     * @param strength how strongly large-Fisher entries are damped (0 = plain tau)
     * @param batch images per gradient pass of the Fisher estimate
     */
    public record Config(double strength, int batch) {
        public Config {
            if (!(strength >= 0) || Double.isInfinite(strength)) {
                throw new TbarException("tbar_fisher.strength must be finite and >= 0 (0 = off), got " + strength);
            }
            if (batch < 1) {
                throw new TbarException("tbar_fisher.batch must be >= 1, got " + batch);
            }
        }

        public static Config defaults() {
            return new Config(1, 8);
        }
    }

    public static final Section<Config> SECTION = new Section<>("tbar_fisher", Config.class, Config.defaults());

    private TbarFisher() {}

    /** {@code tau} damped where theta_bd's clean Fisher on {@code clean} is large (the caller owns the result). */
    static TaskVector damp(DefenseContext ctx, Config config, TaskVector tau, ImageDataset clean) {
        long start = System.nanoTime();
        try (TaskVector fisher = Fisher.diagonal(ctx.model(), ctx.backdoored(), clean, config.batch())) {
            TaskVector damped = tau.damp(fisher, config.strength());
            LOG.info("TBAR: tau damped by the clean Fisher information (strength {}, {} images, {} s): norm {} -> {}",
                    config.strength(), clean.size(), String.format(java.util.Locale.ROOT, "%.1f",
                            (System.nanoTime() - start) / 1e9), tau.norm(), damped.norm());
            return damped;
        }
    }
}
