package dev.tbar.unlearn;

import dev.tbar.TbarException;
import dev.tbar.config.ImageBudget;
import dev.tbar.train.Objectives;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainResult;

/** The standard baseline: fine-tune theta_bd on defender-owned clean images with their true labels (FT). */
public final class FineTune implements Defense {
    /** @param images clean images used (0 = all of the defender's clean data) */
    public record Config(int images, TrainConfig train) implements ImageBudget<Config> {
        public Config {
            if (images < 0) {
                throw new TbarException("finetune.images must be >= 0 (0 = all defender images), got " + images);
            }
        }

        public static Config defaults() {
            return new Config(0, cleanTraining());
        }

        @Override
        public Config withImages(int n) {
            return new Config(n, train);
        }
    }

    /** @param finetune the clean fine-tuning run */
    public record Details(TrainResult finetune) implements DefenseDetails {}

    public static final Section<Config> SECTION = new Section<>("finetune", Config.class, Config.defaults());

    /** The clean fine-tuning run the fine-tuning baselines share by default: 5 epochs, lr 0.01, batch 64. */
    public static TrainConfig cleanTraining() {
        return TrainConfig.defaults().with("epochs", 5).with("lr", 0.01).with("batch_size", 64);
    }

    private final Config config;

    public FineTune(Config config) {
        this.config = config;
    }

    @Override
    public String name() {
        return "finetune";
    }

    @Override
    public DefenseOutcome apply(DefenseContext ctx) {
        return ctx.fineTuned(name(), "clean fine-tuning", ctx.cleanImages(config.images()), config.train(),
                Objectives.crossEntropy(ctx.model()), Details::new);
    }
}
