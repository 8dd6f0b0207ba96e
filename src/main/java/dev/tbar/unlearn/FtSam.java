package dev.tbar.unlearn;

import dev.tbar.TbarException;
import dev.tbar.config.ImageBudget;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.StateDict;
import dev.tbar.train.Objectives;
import dev.tbar.train.SharpnessAware;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainResult;

/**
 * FT-SAM (Zhu et al., ICCV 2023): fine-tune theta_bd on the defender's clean images with adaptive sharpness-aware
 * minimisation. Backdoor neurons have large weight norms; the w^2-scaled ascent step perturbs them most, so
 * minimising the worst case near theta_bd shrinks them, which plain fine-tuning does not. Details as in
 * BackdoorBench's ft-sam (the authors' code): ASAM form, one global norm, rho 2, label smoothing 0.1 with
 * s / (K - 1), every parameter perturbed, BatchNorm statistics frozen during the perturbed pass.
 */
public final class FtSam implements Defense {
    /**
     * @param images clean defender images (0 = all of them)
     * @param rho radius of the adaptive ascent step
     * @param labelSmoothing s of the smoothed cross-entropy
     * @param train the fine-tuning run (each step costs two forward-backward passes)
     */
    public record Config(int images, double rho, double labelSmoothing, TrainConfig train)
            implements ImageBudget<Config> {
        public Config {
            if (images < 0) {
                throw new TbarException("ft_sam.images must be >= 0 (0 = all defender images), got " + images);
            }
            if (!(rho > 0) || Double.isInfinite(rho)) {
                throw new TbarException("ft_sam.rho must be finite and > 0, got " + rho);
            }
            if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
                throw new TbarException("ft_sam.label_smoothing must be in [0, 1), got " + labelSmoothing);
            }
        }

        /**
         * BackdoorBench's rho and smoothing, SGD at lr 0.01 with momentum 0.9 and weight decay 5e-4 on every
         * parameter (as torch's SGD there), 20 epochs.
         */
        public static Config defaults() {
            return new Config(0, 2.0, 0.1, FineTune.cleanTraining().with("epochs", 20).with("decay_1d", true));
        }

        @Override
        public Config withImages(int n) {
            return new Config(n, rho, labelSmoothing, train);
        }
    }

    public static final Section<Config> SECTION = new Section<>("ft_sam", Config.class, Config.defaults());
    public static final String NAME = "ft-sam";

    private final Config config;

    public FtSam(Config config) {
        this.config = config;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DefenseOutcome apply(DefenseContext ctx) {
        long start = System.nanoTime();
        ImageDataset data = ctx.cleanImages(config.images());
        TrainResult[] fit = new TrainResult[1];
        SharpnessAware sam = new SharpnessAware(Objectives.smoothedCrossEntropy(ctx.model(), config.labelSmoothing()),
                config.rho());
        StateDict w = ctx.finetuneCopy(data, config.train(), sam, "ft-sam fine-tuning", fit);
        return new DefenseOutcome(NAME, w, data.size(), fit[0].steps(), (System.nanoTime() - start) / 1e9,
                new FineTune.Details(fit[0]));
    }
}
