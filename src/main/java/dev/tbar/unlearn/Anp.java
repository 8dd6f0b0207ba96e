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
 * the channels with the smallest masks. How many is chosen on validation data with TBAR's rule (the lowest ASR among
 * the counts that keep CA above the floor), in steps of {@code pruneStep} of all channels, as BackdoorBench's
 * "number" mode sweeps them; BackdoorBench chooses on test ASR.
 */
public record Anp(Config config) implements Defense {
    private static final Logger LOG = LoggerFactory.getLogger(Anp.class);

    /**
     * @param images clean defender images for the mask optimisation (0 = all of them)
     * @param eps bound of the multiplicative noise on BatchNorm scales and shifts
     * @param noiseSteps signed ascent steps on the noise per batch (step eps / noiseSteps)
     * @param alpha weight of the natural loss; the perturbed loss gets 1 - alpha
     * @param caThreshold validation CA kept, as a fraction of theta_bd's, when choosing how many to prune
     * @param maxPruneFraction at most this share of all BatchNorm channels is pruned
     * @param pruneStep the counts tried are multiples of this share of all channels
     * @param train the mask optimisation (SGD with momentum on the masks; lr is the mask learning rate)
     */
    public record Config(int images, double eps, int noiseSteps, double alpha, double caThreshold,
            double maxPruneFraction, double pruneStep, TrainConfig train) implements ImageBudget<Config> {
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
            if (!(maxPruneFraction >= 0 && maxPruneFraction <= 1)) {
                throw new TbarException("anp.max_prune_fraction must be in [0, 1], got " + maxPruneFraction);
            }
            if (!(pruneStep > 0 && pruneStep <= 1)) {
                throw new TbarException("anp.prune_step must be in (0, 1], got " + pruneStep);
            }
        }

        /**
         * The paper's eps 0.4, one noise step, alpha 0.2, mask SGD with momentum 0.9 at BackdoorBench's lr 0.01;
         * 300 mask steps of 64 images (the paper: 2,000 of 128); up to 30% of the channels, 1% at a time.
         */
        public static Config defaults() {
            TrainConfig masks = TrainConfig.defaults().with(Map.of("lr", 0.01, "momentum", 0.9, "weight_decay", 0.0,
                    "schedule", "constant", "batch_size", 64, "max_steps", 300));
            return new Config(0, 0.4, 1, 0.2, 0.95, 0.3, 0.01, masks);
        }

        @Override
        public Config withImages(int n) {
            return new Config(n, eps, noiseSteps, alpha, caThreshold, maxPruneFraction, pruneStep, train);
        }
    }

    public static final Section<Config> SECTION = new Section<>("anp", Config.class, Config.defaults());
    public static final String NAME = "anp";

    /** One BatchNorm channel and its learned mask. */
    record Neuron(String layer, int channel, float mask) {}

    /** Validation CA and ASR with the {@code pruned} smallest-mask channels pruned, the last at {@code mask}. */
    public record PrunePoint(int pruned, double mask, double ca, double asr) {}

    /**
     * @param prunedNeurons channels pruned (0 when no count kept the CA floor: theta_bd is returned)
     * @param maskThreshold the largest mask pruned (NaN for none)
     * @param validation the chosen point, null for none
     * @param pruneSweep every count tried, on validation
     * @param maskOptimisation the mask training run
     */
    public record Details(int prunedNeurons, int neurons, double maskThreshold, PrunePoint validation,
            double validationBaseCa, double validationCaFloor, List<PrunePoint> pruneSweep,
            TrainResult maskOptimisation) implements DefenseDetails {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DefenseOutcome apply(DefenseContext ctx) {
        long start = System.nanoTime();
        ImageDataset data = ctx.cleanImages(config.images());
        TrainResult[] fit = new TrainResult[1];
        List<Neuron> order = ranked(AnpMasks.optimise(ctx, data, config, fit));
        double baseCa = Evaluator.accuracy(ctx.model(), ctx.backdoored(), ctx.validation().clean());
        double floor = config.caThreshold() * baseCa;
        int step = Math.max(1, (int) Math.round(config.pruneStep() * order.size()));
        int max = (int) Math.floor(config.maxPruneFraction() * order.size());
        List<PrunePoint> points = new ArrayList<>();
        for (int k = step; k <= max; k += step) {
            try (StateDict w = pruned(ctx.backdoored(), order, k)) {
                PrunePoint p = new PrunePoint(k, order.get(k - 1).mask(),
                        Evaluator.accuracy(ctx.model(), w, ctx.validation().clean()),
                        Evaluator.accuracy(ctx.model(), w, ctx.validation().triggered()));
                points.add(p);
                LOG.info(String.format("  ANP: %d of %d channels pruned (mask <= %.4f), val CA %.2f%% ASR %.2f%%", k,
                        order.size(), p.mask(), 100 * p.ca(), 100 * p.asr()));
                if (p.ca() + 1e-12 < floor) {
                    break; // pruning more only lowers CA further
                }
            }
        }
        // TBAR's rule, with the pruned count in alpha's place
        AlphaSelection.Choice choice = AlphaSelection.choose(
                points.stream().map(p -> new AlphaPoint(p.pruned(), p.ca(), p.asr())).toList(), baseCa,
                config.caThreshold());
        int k = choice.constrained() ? (int) choice.point().alpha() : 0;
        LOG.info("ANP: pruning {} of {} channels (validation CA {}, ASR {})", k, order.size(), choice.point().ca(),
                choice.point().asr());
        PrunePoint chosen = k == 0 ? null : points.stream().filter(p -> p.pruned() == k).findFirst().orElseThrow();
        Details details = new Details(k, order.size(), k == 0 ? Double.NaN : chosen.mask(), chosen, baseCa, floor,
                points, fit[0]);
        return new DefenseOutcome(NAME, pruned(ctx.backdoored(), order, k), data.size(), fit[0].steps(),
                (System.nanoTime() - start) / 1e9, details);
    }

    /** Every channel, smallest mask first (ties in layer and channel order). */
    static List<Neuron> ranked(Map<String, float[]> masks) {
        List<Neuron> out = new ArrayList<>();
        masks.forEach((layer, m) -> {
            for (int i = 0; i < m.length; i++) {
                out.add(new Neuron(layer, i, m[i]));
            }
        });
        out.sort(java.util.Comparator.comparingDouble(Neuron::mask)); // stable: ties keep their order
        return out;
    }

    /** theta_bd with the BatchNorm scale of the first {@code k} channels of {@code order} set to 0. */
    static StateDict pruned(StateDict backdoored, List<Neuron> order, int k) {
        Map<String, float[]> keep = new LinkedHashMap<>();
        for (Neuron n : order.subList(0, k)) {
            keep.computeIfAbsent(n.layer(), l -> ones((int) backdoored.get(l + ".weight").size()))[n.channel()] = 0f;
        }
        StateDict w = backdoored.copy();
        keep.forEach((layer, m) -> {
            NDArray gamma = w.get(layer + ".weight");
            try (NDArray k01 = dev.tbar.util.NDArrays.owned(gamma.getManager().create(m))) {
                w.putParameter(layer + ".weight", gamma.mul(k01));
            }
        });
        return w;
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 1f);
        return a;
    }
}
