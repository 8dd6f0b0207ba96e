package dev.tbar.unlearn;

import dev.tbar.TbarException;
import dev.tbar.config.ImageBudget;
import dev.tbar.data.ImageDataset;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainResult;
import java.util.List;
import java.util.Map;

/**
 * Implicit Backdoor Adversarial Unlearning (Zeng et al., ICLR 2022): the minimax of a universal perturbation delta
 * (the strongest shared trigger the model still has) and the weights, with the weights' gradient taken through delta's
 * dependence on them by the implicit function theorem ({@link IbauObjective}). Each round (an epoch) searches a fresh
 * delta, then every step lowers the clean loss with delta on a few rows plus the implicit term. Details as in the
 * authors' code (and BackdoorBench's copy): delta from 0 by SGD at lr 10 on minus the cross-entropy against the model's
 * own predictions plus 0.001 |delta|^2, the fixed-point map one gradient step of 0.1 on batch 0 with true labels, K = 5
 * Neumann terms, delta on 1% of each batch (at least one row here), BatchNorm in eval mode. The second-order products
 * are central differences of first-order gradients, as DJL has no double backward that frees its graph.
 */
public record Ibau(Config config) implements Defense {
    /**
     * @param images clean defender images (0 = all of them)
     * @param searchLr SGD step of the perturbation search (one pass over the images per round)
     * @param regularisation weight of |delta|^2 in the search
     * @param fixedPointSteps K, the Neumann terms of the implicit gradient
     * @param fixedPointLr the step of the fixed-point map
     * @param perturbedFraction share of each batch that carries delta in the outer loss (at least one image)
     * @param train the outer run: one epoch is one round
     */
    public record Config(int images, double searchLr, double regularisation, int fixedPointSteps,
            double fixedPointLr, double perturbedFraction, TrainConfig train) implements ImageBudget<Config> {
        public Config {
            if (images < 0) {
                throw new TbarException("i_bau.images must be >= 0 (0 = all defender images), got " + images);
            }
            if (!(searchLr > 0) || Double.isInfinite(searchLr) || !(fixedPointLr > 0) || fixedPointLr > 1) {
                throw new TbarException("i_bau.search_lr must be finite and > 0 and i_bau.fixed_point_lr in (0, 1]");
            }
            if (!(regularisation >= 0) || Double.isInfinite(regularisation)) {
                throw new TbarException("i_bau.regularisation must be finite and >= 0, got " + regularisation);
            }
            if (fixedPointSteps < 1) { // K = 0 would drop the implicit term: another method, not i-BAU
                throw new TbarException("i_bau.fixed_point_steps must be >= 1, got " + fixedPointSteps);
            }
            if (train != null && train.trainMode()) {
                throw new TbarException("i_bau.train.train_mode must be false: i-BAU runs BatchNorm in eval mode");
            }
            if (!(perturbedFraction > 0 && perturbedFraction <= 1)) {
                throw new TbarException("i_bau.perturbed_fraction must be in (0, 1], got " + perturbedFraction);
            }
        }

        /** The authors' search and implicit-gradient settings; Adam at lr 1e-3 (their repository), 10 rounds of 64. */
        public static Config defaults() {
            TrainConfig t = TrainConfig.adamw(1e-3).with(Map.of("weight_decay", 0.0, "epochs", 10, "batch_size", 64,
                    "train_mode", false, "schedule", "constant"));
            return new Config(0, 10, 0.001, 5, 0.1, 0.01, t);
        }

        @Override
        public Config withImages(int n) {
            return new Config(n, searchLr, regularisation, fixedPointSteps, fixedPointLr, perturbedFraction, train);
        }
    }

    /**
     * @param finetune the unlearning run
     * @param perturbationNorms L2 norm of each round's universal perturbation
     */
    public record Details(TrainResult finetune, List<Double> perturbationNorms) implements DefenseDetails {}

    public static final Section<Config> SECTION = new Section<>("i_bau", Config.class, Config.defaults());
    public static final String NAME = "i-bau";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DefenseOutcome apply(DefenseContext ctx) {
        ImageDataset data = ctx.cleanImages(config.images());
        try (IbauObjective objective = new IbauObjective(ctx.model(), data, config,
                ctx.backdoored().manager().getParentManager(), ctx.seed())) {
            // unaugmented: the authors reuse one fixed draw of the images in every round
            return ctx.withoutAugmentation().fineTuned(NAME, "i-bau unlearning", data, config.train(), objective,
                    fit -> new Details(fit, objective.perturbationNorms()));
        }
    }
}
