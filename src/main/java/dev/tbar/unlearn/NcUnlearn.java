package dev.tbar.unlearn;

import dev.tbar.TbarException;
import dev.tbar.attack.Trigger;
import dev.tbar.config.ImageBudget;
import dev.tbar.invert.NeuralCleanse;
import dev.tbar.train.Objectives;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainResult;

/**
 * Neural Cleanse's unlearning: fine-tune theta_bd on the defender's clean images where a fraction carry the
 * inverted trigger but keep their true labels, so the model learns to ignore the trigger. With the known trigger
 * instead of an inverted one ({@link #knownTrigger}) it is the unlearning baseline that knows what TBAR knows.
 */
public final class NcUnlearn implements Defense {
    public static final String NAME = "nc-unlearn";
    public static final String KNOWN_TRIGGER = "trigger-unlearn";
    /**
     * @param triggeredImages defender images that carried the trigger (with their true labels)
     * @param finetune the unlearning run
     */
    public record Details(int triggeredImages, TrainResult finetune) implements DefenseDetails {}

    public static final Section<Config> SECTION = new Section<>("nc_unlearn", Config.class, Config.defaults());

    /**
     * @param images defender images fine-tuned on (0 = all)
     * @param triggeredFraction share of them that carry the inverted trigger (true labels kept)
     * @param train the fine-tuning run
     */
    public record Config(int images, double triggeredFraction, TrainConfig train) implements ImageBudget<Config> {
        public Config {
            if (images < 0) {
                throw new TbarException("nc_unlearn.images must be >= 0 (0 = all defender images), got " + images);
            }
            if (!(triggeredFraction > 0 && triggeredFraction <= 1)) {
                throw new TbarException("nc_unlearn.triggered_fraction must be in (0, 1], got "
                        + triggeredFraction);
            }
        }

        public static Config defaults() {
            return new Config(0, 0.2, FineTune.cleanTraining());
        }

        @Override
        public Config withImages(int n) {
            return new Config(n, triggeredFraction, train);
        }
    }

    private final NeuralCleanse.Config invert;
    private final Config config;

    public NcUnlearn(NeuralCleanse.Config invert, Config config) {
        this.invert = invert;
        this.config = config;
    }

    /** The same unlearning with the attack's own trigger (the defense context's), no inversion. */
    public static NcUnlearn knownTrigger(Config config) {
        return new NcUnlearn(null, config);
    }

    @Override
    public String name() {
        return invert == null ? KNOWN_TRIGGER : NAME;
    }

    @Override
    public DefenseOutcome apply(DefenseContext ctx) {
        if (invert != null) {
            return TriggerInversion.thenDefend(NAME, ctx, invert, inv -> unlearn(ctx, inv.trigger()));
        }
        if (ctx.trigger() == null) {
            throw new TbarException("defense '" + KNOWN_TRIGGER + "' needs the attack's trigger");
        }
        return unlearn(ctx, ctx.trigger());
    }

    /** Fine-tunes a copy of theta_bd on the defender's images, a share of them carrying {@code trigger}. */
    private DefenseOutcome unlearn(DefenseContext ctx, Trigger trigger) {
        PartlyTriggered data = new PartlyTriggered(ctx.cleanImages(config.images()), trigger,
                config.triggeredFraction(), ctx.seed() + 3);
        return ctx.fineTuned(name(), "unlearning", data, config.train(), Objectives.crossEntropy(ctx.model()),
                fit -> new Details(data.triggered, fit));
    }
}
