package dev.tbar.unlearn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.tbar.TbarException;
import dev.tbar.config.ImageBudget;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.Init;
import dev.tbar.model.StateDict;
import dev.tbar.train.Objective;
import dev.tbar.train.Objectives;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainResult;
import dev.tbar.util.NDArrays;
import dev.tbar.eval.Evaluator;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Feature Shift Tuning (Min et al., NeurIPS 2023): re-initialise the linear head and fine-tune the whole model on the
 * defender's clean images with cross-entropy plus alpha * &lt;W, W_bd&gt;, which pushes the new head weight W away from
 * the backdoored head W_bd, and so the features away from the ones the backdoor used; after every step W is rescaled
 * to W_bd's Frobenius norm, which keeps the penalty bounded. Details as in the authors' code: uniform head init in
 * +-1/sqrt(fan_in) for weight and bias, penalty on the weight only, no weight decay. The paper sets alpha by hand per
 * dataset; here it is chosen on validation data: the largest of {@code alphas} (the strongest shift) whose validation
 * CA keeps the floor, as TBAR chooses its alpha.
 */
public record Fst(Config config) implements Defense {
    /**
     * @param images clean defender images (0 = all of them)
     * @param alphas weights of the feature-shift penalty tried, largest first (paper: 0.2 on CIFAR-10, 0.1 on GTSRB)
     * @param caThreshold the chosen alpha keeps validation CA >= this x CA(theta_bd)
     * @param train the fine-tuning run
     */
    public record Config(int images, List<Double> alphas, double caThreshold, TrainConfig train)
            implements ImageBudget<Config> {
        public Config {
            if (images < 0) {
                throw new TbarException("fst.images must be >= 0 (0 = all defender images), got " + images);
            }
            if (alphas == null || alphas.isEmpty() || alphas.stream().anyMatch(a -> !(a >= 0) || a.isInfinite())) {
                throw new TbarException("fst.alphas must be a non-empty list of finite values >= 0, got " + alphas);
            }
            alphas = alphas.stream().sorted(java.util.Comparator.reverseOrder()).toList();
            if (!(caThreshold > 0 && caThreshold <= 1)) {
                throw new TbarException("fst.ca_threshold must be in (0, 1], got " + caThreshold);
            }
        }

        /** The paper's alphas and smaller; SGD at lr 0.01, momentum 0.9, no weight decay, 20 epochs. */
        public static Config defaults() {
            return new Config(0, List.of(0.2, 0.1, 0.05, 0.02), 0.95,
                    FineTune.cleanTraining().with("epochs", 20).with("weight_decay", 0.0));
        }

        @Override
        public Config withImages(int n) {
            return new Config(n, alphas, caThreshold, train);
        }
    }

    /**
     * @param alpha the penalty weight chosen
     * @param floorMet whether it kept the validation CA floor (else: the best validation CA of those tried)
     * @param alphasTried validation CA and ASR of each weight tried, largest first
     * @param finetune the last fine-tuning run
     * @param headNorm Frobenius norm of theta_bd's head weight, which the new head keeps
     */
    public record Details(double alpha, boolean floorMet, AlphaPoint validation, double validationBaseCa,
            double validationCaFloor, List<AlphaPoint> alphasTried, TrainResult finetune, double headNorm)
            implements DefenseDetails {}

    public static final Section<Config> SECTION = new Section<>("fst", Config.class, Config.defaults());
    public static final String NAME = "fst";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void checkModel(ImageClassifier model) {
        if (model.headName() == null) {
            throw new TbarException("defense 'fst' needs a model with a linear head; " + model.name() + " has none");
        }
    }

    @Override
    public DefenseOutcome apply(DefenseContext ctx) {
        checkModel(ctx.model());
        String head = ctx.model().headName();
        long start = System.nanoTime();
        ImageDataset data = ctx.cleanImages(config.images());
        String weightName = head + ".weight";
        double baseCa = Evaluator.accuracy(ctx.model(), ctx.backdoored(), ctx.validation().clean());
        double floor = config.caThreshold() * baseCa;
        List<AlphaPoint> tried = new ArrayList<>();
        StateDict best = null;
        AlphaPoint chosen = null;
        long steps = 0;
        TrainResult[] fit = new TrainResult[1];
        try (NDManager m = ctx.backdoored().manager().getParentManager().newSubManager()) {
            NDArray original = ctx.backdoored().get(weightName).duplicate();
            original.attach(m);
            double norm = frobenius(original);
            for (double alpha : config.alphas()) {
                StateDict w = ctx.backdoored().copy();
                try {
                    reinitialise(w, head, ctx.seed());
                } catch (RuntimeException e) {
                    w.close();
                    throw e;
                }
                w = ctx.finetune(w, data, config.train(), objective(ctx, weightName, original, norm, alpha),
                        "fst fine-tuning, alpha " + alpha, fit);
                steps += fit[0].steps();
                AlphaPoint p = ctx.validate(alpha, w);
                tried.add(p);
                // the first alpha that holds the floor; until one does, the best validation CA so far
                if (chosen == null || p.ca() >= floor || p.ca() > chosen.ca()) {
                    if (best != null) {
                        best.close();
                    }
                    best = w;
                    chosen = p;
                } else {
                    w.close();
                }
                if (p.ca() >= floor) {
                    break;
                }
            }
            return new DefenseOutcome(NAME, best, data.size(), steps, (System.nanoTime() - start) / 1e9,
                    new Details(chosen.alpha(), chosen.ca() >= floor, chosen, baseCa, floor, tried, fit[0], norm));
        } catch (RuntimeException e) {
            if (best != null) {
                best.close();
            }
            throw e;
        }
    }

    /** Cross-entropy + alpha * sum(W * W_bd); after each step W is rescaled to norm {@code norm}. */
    private static Objective objective(DefenseContext ctx, String weightName, NDArray original, double norm,
            double shiftWeight) {
        Objective ce = Objectives.crossEntropy(ctx.model());
        float alpha = (float) shiftWeight;
        return new Objective() {
            @Override
            public NDArray loss(StateDict weights, NDArray pixels, NDArray labels, boolean training) {
                NDArray loss = ce.loss(weights, pixels, labels, training);
                NDArray shift = weights.get(weightName).mul(original).sum();
                return loss.add(shift.mul(NDArrays.scalar(loss, alpha)));
            }

            @Override
            public void project(StateDict weights) {
                NDArray w = weights.get(weightName);
                double now = frobenius(w);
                if (now > 0) {
                    w.muli((float) (norm / now));
                }
            }
        };
    }

    /** PyTorch's nn.Linear range: weight and bias uniform in +-1/sqrt(fan_in), seeded. */
    static void reinitialise(StateDict w, String head, long seed) {
        NDArray weight = w.get(head + ".weight");
        double bound = 1 / Math.sqrt(weight.getShape().get(1));
        SplittableRandom rnd = new SplittableRandom(seed);
        w.putParameter(head + ".weight", Init.uniform(w.manager(), weight.getShape(), bound, rnd));
        if (w.contains(head + ".bias")) {
            w.putParameter(head + ".bias", Init.uniform(w.manager(), w.get(head + ".bias").getShape(), bound, rnd));
        }
    }

    private static double frobenius(NDArray a) {
        try (NDArray sq = a.toType(DataType.FLOAT64, true).square().sum()) {
            return Math.sqrt(sq.getDouble());
        }
    }
}
