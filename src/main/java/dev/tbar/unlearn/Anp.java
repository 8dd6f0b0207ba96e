package dev.tbar.unlearn;

import ai.djl.ndarray.NDArray;
import dev.tbar.TbarException;
import dev.tbar.config.ImageBudget;
import dev.tbar.data.ImageDataset;
import dev.tbar.eval.Evaluator;
import dev.tbar.model.StateDict;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adversarial Neuron Pruning (Wu and Wang, NeurIPS 2021): neurons that carry a backdoor are the ones whose small
 * perturbation already flips predictions. Learn a mask in [0, 1] on every BatchNorm channel's scale while the
 * channels' scales and shifts are adversarially perturbed ({@link AnpMasks}), then prune (scale set to 0 in theta_bd)
 * every channel whose mask is at most a threshold. The threshold is chosen on validation data with TBAR's rule (the
 * lowest ASR among thresholds that keep CA above the floor): BackdoorBench chooses it on test ASR.
 */
public final class Anp implements Defense {
    private static final Logger LOG = LoggerFactory.getLogger(Anp.class);

    /**
     * @param images clean defender images for the mask optimisation (0 = all of them)
     * @param eps bound of the multiplicative noise on BatchNorm scales and shifts
     * @param noiseSteps signed ascent steps on the noise per batch (step eps / noiseSteps)
     * @param alpha weight of the natural loss; the perturbed loss gets 1 - alpha
     * @param caThreshold validation CA kept, as a fraction of theta_bd's, when choosing the threshold
     * @param maxThreshold largest pruning threshold tried
     * @param thresholdStep spacing of the thresholds tried, from 0
     * @param train the mask optimisation (SGD with momentum on the masks; lr is the mask learning rate)
     */
    public record Config(int images, double eps, int noiseSteps, double alpha, double caThreshold,
            double maxThreshold, double thresholdStep, TrainConfig train) implements ImageBudget<Config> {
        public Config {
            if (images < 0) {
                throw new TbarException("anp.images must be >= 0 (0 = all defender images), got " + images);
            }
            if (!(eps >= 0 && eps < 1)) {
                throw new TbarException("anp.eps must be in [0, 1), got " + eps);
            }
            if (noiseSteps < 1) {
                throw new TbarException("anp.noise_steps must be >= 1, got " + noiseSteps);
            }
            if (!(alpha >= 0 && alpha <= 1)) {
                throw new TbarException("anp.alpha must be in [0, 1], got " + alpha);
            }
            if (!(caThreshold > 0 && caThreshold <= 1)) {
                throw new TbarException("anp.ca_threshold must be in (0, 1], got " + caThreshold);
            }
            if (!(maxThreshold >= 0 && maxThreshold <= 1)) {
                throw new TbarException("anp.max_threshold must be in [0, 1], got " + maxThreshold);
            }
            if (!(thresholdStep > 0 && thresholdStep <= 1)) {
                throw new TbarException("anp.threshold_step must be in (0, 1], got " + thresholdStep);
            }
        }

        /**
         * The paper's eps 0.4, one noise step, alpha 0.2, mask lr 0.2 with momentum 0.9; thresholds 0 to 0.9 by 0.05
         * as BackdoorBench sweeps them; 300 mask steps of 128 images (the paper runs 2,000).
         */
        public static Config defaults() {
            TrainConfig masks = TrainConfig.defaults().with(Map.of("lr", 0.2, "momentum", 0.9, "weight_decay", 0.0,
                    "schedule", "constant", "batch_size", 128, "max_steps", 300));
            return new Config(0, 0.4, 1, 0.2, 0.95, 0.9, 0.05, masks);
        }

        @Override
        public Config withImages(int n) {
            return new Config(n, eps, noiseSteps, alpha, caThreshold, maxThreshold, thresholdStep, train);
        }
    }

    public static final Section<Config> SECTION = new Section<>("anp", Config.class, Config.defaults());
    public static final String NAME = "anp";

    private final Config config;

    public Anp(Config config) {
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
        Map<String, float[]> masks = AnpMasks.optimise(ctx, data, config, fit);
        int neurons = masks.values().stream().mapToInt(m -> m.length).sum();

        double baseCa = Evaluator.accuracy(ctx.model(), ctx.backdoored(), ctx.validation().clean());
        List<AlphaPoint> sweep = new ArrayList<>();
        int lastPruned = -1;
        for (int i = 0; i * config.thresholdStep() <= config.maxThreshold() + 1e-9; i++) {
            double t = i * config.thresholdStep();
            int pruned = count(masks, t);
            if (pruned == lastPruned) {
                AlphaPoint same = sweep.get(sweep.size() - 1);
                sweep.add(new AlphaPoint(t, same.ca(), same.asr()));
                continue;
            }
            lastPruned = pruned;
            try (StateDict w = pruned(ctx.backdoored(), masks, t)) {
                AlphaPoint p = new AlphaPoint(t, Evaluator.accuracy(ctx.model(), w, ctx.validation().clean()),
                        Evaluator.accuracy(ctx.model(), w, ctx.validation().triggered()));
                sweep.add(p);
                LOG.info(String.format("  ANP threshold %.2f: %d of %d neurons pruned, val CA %.2f%% ASR %.2f%%", t,
                        pruned, neurons, 100 * p.ca(), 100 * p.asr()));
                if (p.ca() + 1e-12 < config.caThreshold() * baseCa) {
                    break; // pruning more only lowers CA further
                }
            }
        }
        AlphaSelection.Choice choice = AlphaSelection.choose(sweep, baseCa, config.caThreshold());
        double threshold = choice.constrained() ? choice.point().alpha() : -1;
        StateDict cleaned = pruned(ctx.backdoored(), masks, threshold);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("threshold", threshold);
        details.put("prunedNeurons", count(masks, threshold));
        details.put("neurons", neurons);
        details.put(DetailKeys.VALIDATION, ThresholdPoint.of(choice.point()));
        details.put(DetailKeys.VALIDATION_BASE_CA, baseCa);
        details.put(DetailKeys.VALIDATION_CA_FLOOR, choice.caFloor());
        details.put("thresholdSweep", sweep.stream().map(ThresholdPoint::of).toList());
        details.put("maskOptimisation", fit[0]);
        LOG.info("ANP: threshold {} prunes {} of {} neurons (validation CA {}, ASR {})", threshold,
                count(masks, threshold), neurons, choice.point().ca(), choice.point().asr());
        return new DefenseOutcome(NAME, cleaned, data.size(), fit[0].steps(), (System.nanoTime() - start) / 1e9,
                details);
    }

    /** Validation CA and ASR with every neuron whose mask is at most {@code threshold} pruned. */
    public record ThresholdPoint(double threshold, double ca, double asr) {
        static ThresholdPoint of(AlphaPoint p) {
            return new ThresholdPoint(p.alpha(), p.ca(), p.asr());
        }
    }

    /** Neurons whose mask is at most {@code t}. */
    static int count(Map<String, float[]> masks, double t) {
        int n = 0;
        for (float[] m : masks.values()) {
            for (float v : m) {
                n += v <= t ? 1 : 0;
            }
        }
        return n;
    }

    /** theta_bd with the BatchNorm scale of every channel whose mask is at most {@code t} set to 0. */
    static StateDict pruned(StateDict backdoored, Map<String, float[]> masks, double t) {
        StateDict w = backdoored.copy();
        masks.forEach((bn, m) -> {
            float[] keep = new float[m.length];
            for (int i = 0; i < m.length; i++) {
                keep[i] = m[i] <= t ? 0f : 1f;
            }
            NDArray gamma = w.get(bn + ".weight");
            try (NDArray k = dev.tbar.util.NDArrays.owned(gamma.getManager().create(keep))) {
                w.putParameter(bn + ".weight", gamma.mul(k));
            }
        });
        return w;
    }
}
