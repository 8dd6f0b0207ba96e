package dev.tbar.unlearn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.tbar.TbarException;
import dev.tbar.config.ImageBudget;
import dev.tbar.data.Batches;
import dev.tbar.data.ImageDataset;
import dev.tbar.eval.Evaluator;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.Layers;
import dev.tbar.model.StateDict;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fine-pruning (Liu et al. 2018): backdoor neurons tend to stay dormant on clean inputs, so prune the penultimate
 * feature channels least active on the defender's clean images, as many as validation CA allows, then fine-tune on
 * the same clean images. Pruning a channel zeroes its column of the linear head, which for a pooled CNN is the same
 * as removing the channel; the mask is re-applied after fine-tuning so pruned channels stay dead.
 */
public final class FinePruning implements Defense {
    public static final Section<Config> SECTION = new Section<>("fine_pruning", Config.class, Config.defaults());
    private static final Logger LOG = LoggerFactory.getLogger(FinePruning.class);

    /**
     * @param images clean defender images for the activations and the fine-tuning (0 = all of them)
     * @param maxPruneFraction at most this fraction of the feature channels is pruned
     * @param caThreshold keep validation CA >= this x CA(theta_bd) while pruning
     * @param step channels pruned between two validation checks
     * @param train the fine-tuning run after pruning
     */
    public record Config(int images, double maxPruneFraction, double caThreshold, int step, TrainConfig train)
            implements ImageBudget<Config> {
        public Config {
            if (images < 0) {
                throw new TbarException("fine_pruning.images must be >= 0 (0 = all defender images), got " + images);
            }
            if (!(maxPruneFraction >= 0 && maxPruneFraction <= 1)) {
                throw new TbarException("fine_pruning.max_prune_fraction must be in [0, 1], got " + maxPruneFraction);
            }
            if (!(caThreshold > 0 && caThreshold <= 1)) {
                throw new TbarException("fine_pruning.ca_threshold must be in (0, 1], got " + caThreshold);
            }
            if (step < 1) {
                throw new TbarException("fine_pruning.step must be >= 1 channel, got " + step);
            }
            if (train == null) {
                throw new TbarException("fine_pruning.train is missing");
            }
        }

        public static Config defaults() {
            return new Config(0, 0.9, 0.95, 1, FineTune.cleanTraining());
        }

        @Override
        public Config withImages(int n) {
            return new Config(n, maxPruneFraction, caThreshold, step, train);
        }
    }

    /**
     * @param prunedChannels feature channels pruned
     * @param meanActivation each channel's mean activation on the defender's images
     * @param pruned the pruned channels, least active first
     * @param sweep validation CA of each count tried
     * @param finetune the fine-tuning after pruning
     */
    public record Details(int prunedChannels, double[] meanActivation, int featureChannels, int[] pruned,
            double validationBaseCa, double validationCaFloor, List<PrunePoint> sweep, int imagesUsed,
            TrainResult finetune) implements DefenseDetails {}

    /** Validation CA with the {@code pruned} least active channels removed. */
    public record PrunePoint(int pruned, double ca) {}

    private final Config config;

    public FinePruning(Config config) {
        this.config = config;
    }

    @Override
    public String name() {
        return "fine-pruning";
    }

    @Override
    public void checkModel(ImageClassifier model) {
        if (model.headName() == null || !model.exposesFeatures()) {
            throw new TbarException("defense 'fine-pruning' needs a model with a linear head over penultimate"
                    + " features it exposes; model '" + model.name() + "' has none");
        }
    }

    @Override
    public DefenseOutcome apply(DefenseContext ctx) {
        long start = System.nanoTime();
        ImageClassifier model = ctx.model();
        checkModel(model);
        String head = model.headName();
        ImageDataset data = ctx.cleanImages(config.images());
        double[] activation = meanActivation(model, ctx.backdoored(), data);
        int[] order = IntStream.range(0, activation.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> activation[i]).thenComparingInt(i -> i))
                .mapToInt(Integer::intValue).toArray();

        ImageDataset val = ctx.validation().clean();
        if (val.size() == 0) {
            throw new TbarException("defense 'fine-pruning' needs clean validation images to bound the pruning;"
                    + " the validation split is empty");
        }
        double baseCa = Evaluator.accuracy(model, ctx.backdoored(), val);
        double floor = config.caThreshold() * baseCa;
        int max = (int) Math.floor(config.maxPruneFraction() * order.length);
        List<PrunePoint> sweep = new ArrayList<>();
        int pruned = 0;
        // Only the head sees the mask, so validation features are computed once and every candidate costs a matmul.
        try (NDManager scratch = ctx.backdoored().manager().getParentManager().newSubManager()) {
            NDArray feats = features(model, ctx.backdoored(), val, scratch);
            for (int k = Math.min(config.step(), max); k > 0 && k <= max; k = next(k, max)) {
                double ca = headAccuracy(ctx.backdoored(), head, feats, val, mask(order, k), scratch);
                sweep.add(new PrunePoint(k, ca));
                if (ca + 1e-12 < floor) {
                    break;
                }
                pruned = k;
            }
        }
        float[] mask = mask(order, pruned);
        LOG.info("fine-pruning: pruning {} of {} feature channels (validation CA floor {})", pruned, order.length,
                floor);
        StateDict prunedWeights = ctx.backdoored().copy();
        TrainResult[] fit = new TrainResult[1];
        StateDict w;
        try {
            applyMask(prunedWeights, head, mask);
            DefenseContext fromPruned = new DefenseContext(model, prunedWeights, ctx.cleanData(), ctx.trigger(),
                    ctx.targetClass(), ctx.validation(), ctx.augment(), ctx.seed(), ctx.workDir());
            w = fromPruned.finetuneCopy(data, config.train(), "fine-pruning fine-tuning", fit);
        } finally {
            prunedWeights.close();
        }
        applyMask(w, head, mask); // fine-tuning regrows the pruned columns
        Details details = new Details(pruned, activation, order.length,
                IntStream.range(0, pruned).map(i -> order[i]).toArray(), baseCa, floor, sweep, data.size(), fit[0]);
        return new DefenseOutcome(name(), w, data.size(), fit[0].steps(), (System.nanoTime() - start) / 1e9,
                details);
    }

    private int next(int k, int max) {
        return k == max ? max + 1 : Math.min(k + config.step(), max);
    }

    /** 1 for kept channels, 0 for the {@code k} first in {@code order}. */
    static float[] mask(int[] order, int k) {
        float[] m = new float[order.length];
        java.util.Arrays.fill(m, 1f);
        for (int i = 0; i < k; i++) {
            m[order[i]] = 0f;
        }
        return m;
    }

    /** Zeroes the masked columns of {@code <head>.weight} in place (parameter or buffer). */
    static void applyMask(StateDict w, String head, float[] mask) {
        String key = head + ".weight";
        NDArray weight = w.get(key);
        NDArray m = weight.getManager().create(mask, new Shape(1, mask.length));
        NDArray masked = weight.mul(m);
        m.close();
        w.put(key, masked, w.isBuffer(key));
    }

    /**
     * Mean absolute value of each penultimate feature over {@code data} (eval mode): the mean activation for ReLU
     * features (CNNs), and a sign-free activity for signed ones (a ViT's normalised class token).
     */
    static double[] meanActivation(ImageClassifier model, StateDict w, ImageDataset data) {
        double[] sum = null;
        for (int start = 0; start < data.size(); start += Evaluator.DEFAULT_BATCH) {
            try (NDManager step = w.manager().getParentManager().newSubManager()) {
                float[] s = model.features(w, batch(step, data, start), false).abs().sum(new int[] {0}).toFloatArray();
                if (sum == null) {
                    sum = new double[s.length];
                }
                for (int i = 0; i < s.length; i++) {
                    sum[i] += s[i];
                }
            }
        }
        if (sum == null) {
            throw new TbarException("fine-pruning needs defender clean images; got none");
        }
        for (int i = 0; i < sum.length; i++) {
            sum[i] /= data.size();
        }
        return sum;
    }

    /** Features of every item of {@code data}, (N, F), owned by {@code owner}. */
    private static NDArray features(ImageClassifier model, StateDict w, ImageDataset data, NDManager owner) {
        NDList parts = new NDList();
        for (int start = 0; start < data.size(); start += Evaluator.DEFAULT_BATCH) {
            try (NDManager step = w.manager().getParentManager().newSubManager()) {
                NDArray f = model.features(w, batch(step, data, start), false);
                f.attach(owner);
                parts.add(f);
            }
        }
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, 0);
    }

    private static double headAccuracy(StateDict w, String head, NDArray feats, ImageDataset data, float[] mask,
            NDManager scratch) {
        try (StateDict h = new StateDict(scratch)) {
            h.putParameter(head + ".weight", w.get(head + ".weight").duplicate());
            if (w.contains(head + ".bias")) {
                h.putParameter(head + ".bias", w.get(head + ".bias").duplicate());
            }
            applyMask(h, head, mask);
            return Evaluator.accuracy(Evaluator.predictions(Layers.linear(h, head, feats)), data);
        }
    }

    private static NDArray batch(NDManager m, ImageDataset data, int start) {
        return Batches.pixels(m, data, start, Math.min(Evaluator.DEFAULT_BATCH, data.size() - start));
    }
}
