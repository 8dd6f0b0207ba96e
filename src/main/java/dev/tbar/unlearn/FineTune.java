package dev.tbar.unlearn;

import dev.tbar.TbarException;
import dev.tbar.data.Datasets;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.StateDict;
import dev.tbar.train.Objectives;
import dev.tbar.train.Progress;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainResult;
import dev.tbar.train.Trainer;
import java.util.LinkedHashMap;
import java.util.Map;

/** The standard baseline: fine-tune theta_bd on defender-owned clean images with their true labels (FT). */
public final class FineTune implements Defense {
    /** @param images clean images used (0 = all of the defender's clean data) */
    public record Config(int images, TrainConfig train) {
        public Config {
            if (images < 0) {
                throw new TbarException("finetune.images must be >= 0 (0 = all defender images), got " + images);
            }
        }
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
        long start = System.nanoTime();
        ImageDataset data = config.images() == 0 || config.images() >= ctx.cleanData().size()
                ? ctx.cleanData()
                : Datasets.sample(ctx.cleanData(), config.images(), ctx.seed());
        StateDict w = ctx.backdoored().copy();
        TrainResult fit;
        try {
            fit = Trainer.train(Objectives.crossEntropy(ctx.model()), w, data, ctx.augment(), config.train(), null,
                    Progress.auto("clean fine-tuning"));
        } catch (RuntimeException e) {
            w.close();
            throw e;
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("finetune", fit);
        return new DefenseOutcome(name(), w, data.size(), fit.steps(), (System.nanoTime() - start) / 1e9, details);
    }
}
