package dev.tbar.unlearn;

import dev.tbar.TbarException;
import dev.tbar.config.ImageBudget;
import dev.tbar.train.Objectives;
import dev.tbar.train.SharpnessAware;
import dev.tbar.train.TrainConfig;

/**
 * FT-SAM (Zhu et al., ICCV 2023): fine-tune theta_bd on the defender's clean images with adaptive sharpness-aware
 * minimisation. Backdoor neurons have large weight norms; the w^2-scaled ascent step perturbs them most, so
 * minimising the worst case near theta_bd shrinks them, which plain fine-tuning does not. Details as in
 * BackdoorBench's ft-sam (the authors' code): ASAM form, one global norm, rho 2, label smoothing 0.1 with
 * s / (K - 1), every parameter perturbed, BatchNorm statistics frozen during the perturbed pass.
 */
public record FtSam(Config config) implements Defense {
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

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DefenseOutcome apply(DefenseContext ctx) {
        SharpnessAware sam = new SharpnessAware(Objectives.smoothedCrossEntropy(ctx.model(), config.labelSmoothing()),
                config.rho());
        return ctx.fineTuned(NAME, "ft-sam fine-tuning", ctx.cleanImages(config.images()), config.train(), sam,
                FineTune.Details::new);
    }
}
