package dev.tbar.unlearn;

import dev.tbar.TbarException;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.StateDict;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainResult;
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

        public Config withImages(int n) {
            return new Config(n, train);
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
        ImageDataset data = ctx.cleanImages(config.images());
        TrainResult[] fit = new TrainResult[1];
        StateDict w = ctx.finetuneCopy(data, config.train(), "clean fine-tuning", fit);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put(DetailKeys.FINETUNE, fit[0]);
        return new DefenseOutcome(name(), w, data.size(), fit[0].steps(), (System.nanoTime() - start) / 1e9,
                details);
    }
}
