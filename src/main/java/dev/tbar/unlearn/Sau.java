package dev.tbar.unlearn;

import dev.tbar.TbarException;
import dev.tbar.config.ImageBudget;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainResult;
import java.util.Map;

/**
 * Shared Adversarial Unlearning (Wei et al., NeurIPS 2023): a backdoor is a shortcut that adversarial perturbations
 * find too. Each step searches per-image perturbations that fool the current model and theta_bd the same way (shared
 * adversarial examples, {@link SauObjective}), then trains the model to keep clean cross-entropy low while moving away
 * from the label theta_bd gives those examples. Details as in BackdoorBench's sau.py (the authors' code): L-inf 0.2 in
 * pixel space, 5 signed steps of 0.2 from +eps, beta1 0.01 on the adversarial CE and beta2 1 on the JS agreement
 * term, lambda 1 on the clean and shared losses, BatchNorm in eval mode, no augmentation.
 */
public record Sau(Config config) implements Defense {
    /**
     * @param images clean defender images (0 = all of them)
     * @param eps L-inf bound of each image's perturbation, in pixels ([0, 1])
     * @param stepSize PGD step
     * @param pgdSteps PGD steps per batch
     * @param beta1 weight of the adversarial cross-entropy in the search
     * @param beta2 weight of the Jensen-Shannon agreement of the two models in the search
     * @param lambdaClean weight of the clean cross-entropy
     * @param lambdaAdversarial weight of plain adversarial training (0 in the paper)
     * @param lambdaShared weight of the shared adversarial risk
     * @param train the unlearning run (BatchNorm frozen by default, as the authors run it)
     */
    public record Config(int images, double eps, double stepSize, int pgdSteps, double beta1, double beta2,
            double lambdaClean, double lambdaAdversarial, double lambdaShared, TrainConfig train)
            implements ImageBudget<Config> {
        public Config {
            if (images < 0) {
                throw new TbarException("sau.images must be >= 0 (0 = all defender images), got " + images);
            }
            if (!(eps > 0 && eps <= 1) || !(stepSize > 0 && stepSize <= 1)) {
                throw new TbarException("sau.eps and sau.step_size must be in (0, 1], got " + eps + " and "
                        + stepSize);
            }
            if (pgdSteps < 1) {
                throw new TbarException("sau.pgd_steps must be >= 1, got " + pgdSteps);
            }
            for (double w : new double[] {beta1, beta2, lambdaClean, lambdaAdversarial, lambdaShared}) {
                if (!(w >= 0) || Double.isInfinite(w)) {
                    throw new TbarException("sau.beta1, beta2, lambda_clean, lambda_adversarial and lambda_shared"
                            + " must be finite and >= 0");
                }
            }
        }

        /**
         * The authors' search and weights; Adam (tbar has no amsgrad) at lr 1e-3 for 20 epochs of batch 64, BatchNorm
         * frozen: BackdoorBench runs lr 1e-4 for 1,000 steps on 2,500 images, too slow for tbar's budget.
         */
        public static Config defaults() {
            TrainConfig t = TrainConfig.adamw(1e-3).with(Map.of("weight_decay", 0.0, "epochs", 20, "batch_size", 64,
                    "train_mode", false, "schedule", "constant"));
            return new Config(0, 0.2, 0.2, 5, 0.01, 1, 1, 0, 1, t);
        }

        @Override
        public Config withImages(int n) {
            return new Config(n, eps, stepSize, pgdSteps, beta1, beta2, lambdaClean, lambdaAdversarial, lambdaShared,
                    train);
        }
    }

    /**
     * @param finetune the unlearning run
     * @param referenceFooledFraction share of images whose perturbation fooled theta_bd (those the shared loss acts on)
     */
    public record Details(TrainResult finetune, double referenceFooledFraction) implements DefenseDetails {}

    public static final Section<Config> SECTION = new Section<>("sau", Config.class, Config.defaults());
    public static final String NAME = "sau";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DefenseOutcome apply(DefenseContext ctx) {
        SauObjective objective = new SauObjective(ctx.model(), ctx.backdoored(), config);
        // the authors train on the images as they are
        return ctx.withoutAugmentation().fineTuned(NAME, "sau unlearning", ctx.cleanImages(config.images()),
                config.train(), objective, fit -> new Details(fit, objective.fooledFraction()));
    }
}
