package dev.tbar.unlearn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.tbar.TbarException;
import dev.tbar.config.ImageBudget;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.Init;
import dev.tbar.model.StateDict;
import dev.tbar.train.Objective;
import dev.tbar.train.Objectives;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainResult;
import dev.tbar.util.NDArrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Feature Shift Tuning (Min et al., NeurIPS 2023): re-initialise the linear head and fine-tune the whole model on the
 * defender's clean images with cross-entropy plus alpha * &lt;W, W_bd&gt;, which pushes the new head weight W away from
 * the backdoored head W_bd, and so the features away from the ones the backdoor used; after every step W is rescaled
 * to W_bd's Frobenius norm, which keeps the penalty bounded. Details as in the authors' code: uniform head init in
 * +-1/sqrt(fan_in) for weight and bias, penalty on the weight only, no weight decay.
 */
public final class Fst implements Defense {
    /**
     * @param images clean defender images (0 = all of them)
     * @param alpha weight of the feature-shift penalty (paper: 0.2 on CIFAR-10, 0.1 on GTSRB)
     * @param train the fine-tuning run
     */
    public record Config(int images, double alpha, TrainConfig train) implements ImageBudget<Config> {
        public Config {
            if (images < 0) {
                throw new TbarException("fst.images must be >= 0 (0 = all defender images), got " + images);
            }
            if (!(alpha >= 0) || Double.isInfinite(alpha)) {
                throw new TbarException("fst.alpha must be finite and >= 0, got " + alpha);
            }
        }

        /** The paper's CIFAR-10 alpha; SGD at lr 0.01, momentum 0.9, no weight decay, 20 epochs. */
        public static Config defaults() {
            return new Config(0, 0.2, FineTune.cleanTraining().with("epochs", 20).with("weight_decay", 0.0));
        }

        @Override
        public Config withImages(int n) {
            return new Config(n, alpha, train);
        }
    }

    public static final Section<Config> SECTION = new Section<>("fst", Config.class, Config.defaults());
    public static final String NAME = "fst";

    private final Config config;

    public Fst(Config config) {
        this.config = config;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DefenseOutcome apply(DefenseContext ctx) {
        String head = ctx.model().headName();
        if (head == null) {
            throw new TbarException("defense 'fst' needs a model with a linear head; " + ctx.model().name()
                    + " has none");
        }
        long start = System.nanoTime();
        ImageDataset data = ctx.cleanImages(config.images());
        String weightName = head + ".weight";
        TrainResult[] fit = new TrainResult[1];
        try (NDManager m = ctx.backdoored().manager().getParentManager().newSubManager()) {
            NDArray original = ctx.backdoored().get(weightName).duplicate();
            original.attach(m);
            double norm = frobenius(original);
            StateDict w = ctx.backdoored().copy();
            reinitialise(w, head, ctx.seed());
            StateDict cleaned = ctx.finetune(w, data, config.train(), objective(ctx, weightName, original, norm),
                    "fst fine-tuning", fit);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put(DetailKeys.FINETUNE, fit[0]);
            details.put("headNorm", norm);
            return new DefenseOutcome(NAME, cleaned, data.size(), fit[0].steps(), (System.nanoTime() - start) / 1e9,
                    details);
        }
    }

    /** Cross-entropy + alpha * sum(W * W_bd); after each step W is rescaled to norm {@code norm}. */
    private Objective objective(DefenseContext ctx, String weightName, NDArray original, double norm) {
        Objective ce = Objectives.crossEntropy(ctx.model());
        float alpha = (float) config.alpha();
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
