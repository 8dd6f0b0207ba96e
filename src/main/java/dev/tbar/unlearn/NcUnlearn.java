package dev.tbar.unlearn;

import dev.tbar.TbarException;
import dev.tbar.config.ImageBudget;
import dev.tbar.attack.Trigger;
import dev.tbar.data.Image;
import dev.tbar.data.ImageDataset;
import dev.tbar.invert.NeuralCleanse;
import dev.tbar.model.StateDict;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainResult;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Neural Cleanse's unlearning: fine-tune theta_bd on the defender's clean images where a fraction carry the
 * inverted trigger but keep their true labels, so the model learns to ignore the trigger.
 */
public final class NcUnlearn implements Defense {
    public static final String NAME = "nc-unlearn";
    /**
     * @param triggeredImages defender images that carried the inverted trigger (with their true labels)
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

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DefenseOutcome apply(DefenseContext ctx) {
        return TriggerInversion.thenDefend(NAME, ctx, invert, inv -> {
            ImageDataset clean = ctx.cleanImages(config.images());
            PartlyTriggered data = new PartlyTriggered(clean, inv.trigger(), config.triggeredFraction(),
                    ctx.seed() + 3);
            TrainResult[] fit = new TrainResult[1];
            StateDict w = ctx.finetuneCopy(data, config.train(), "nc unlearning", fit);
            return new DefenseOutcome(NAME, w, clean.size(), fit[0].steps(), 0, // timed by thenDefend
                    new Details(data.triggered, fit[0]));
        });
    }

    /** A view of {@code base} with a seeded subset of round(fraction * N) images triggered, labels unchanged. */
    static final class PartlyTriggered implements ImageDataset {
        private final ImageDataset base;
        private final Trigger trigger;
        private final boolean[] on;
        final int triggered;

        PartlyTriggered(ImageDataset base, Trigger trigger, double fraction, long seed) {
            this.base = base;
            this.trigger = trigger;
            int n = base.size();
            int k = (int) Math.round(fraction * n);
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) {
                idx[i] = i;
            }
            SplittableRandom rnd = new SplittableRandom(seed);
            this.on = new boolean[n];
            for (int i = 0; i < k; i++) { // partial Fisher-Yates: the first k of a seeded shuffle
                int j = i + rnd.nextInt(n - i);
                int t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
                on[idx[i]] = true;
            }
            this.triggered = k;
        }

        @Override
        public int size() {
            return base.size();
        }

        @Override
        public int label(int i) {
            return base.label(i);
        }

        @Override
        public Image image(int i) {
            Image im = base.image(i);
            return on[i] ? trigger.apply(im) : im;
        }

        @Override
        public List<String> classes() {
            return base.classes();
        }

        @Override
        public String describe() {
            return base.describe() + ", " + triggered + " with the inverted trigger (true labels)";
        }
    }
}
