package dev.tbar.invert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.tbar.TbarException;
import dev.tbar.config.ImageBudget;
import dev.tbar.attack.InvertedTrigger;
import dev.tbar.data.Batches;
import dev.tbar.data.DecodedDataset;
import dev.tbar.data.Image;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import dev.tbar.util.NDArrays;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Neural Cleanse (Wang et al. 2019) for a classifier: for each candidate class c, the smallest mask m and pattern p
 * such that (1 - m) x + m p is classified as c for clean images of other classes, found by minimising
 * CE(c) + lambda |m|_1 with lambda adapted to keep the attack success near a threshold. A backdoor target needs a
 * much smaller mask than any other class: its norm is an outlier on the low side by the median absolute deviation.
 */
public final class NeuralCleanse {
    private static final Logger LOG = LoggerFactory.getLogger(NeuralCleanse.class);

    /** Anomaly index above which the smallest norm is flagged (NC's threshold: two robust standard deviations). */
    public static final double FLAG_THRESHOLD = 2.0;
    /** Consistency constant that makes the median absolute deviation estimate a normal standard deviation. */
    public static final double MAD_CONSISTENCY = 1.4826;

    /**
     * @param images defender images used (0 = all given)
     * @param steps optimisation steps per class
     * @param batchSize images per step
     * @param lr Adam learning rate on the free mask/pattern tensors
     * @param initialLambda starting weight of the mask's L1 norm
     * @param successThreshold attack success on a batch above which lambda is raised, below which it is lowered
     * @param patience consecutive steps on one side of the threshold before lambda changes
     * @param classes candidate classes to scan (empty = all)
     * @param seed initial masks/patterns and batch sampling
     */
    public record Config(int images, int steps, int batchSize, double lr, double initialLambda,
            double successThreshold, int patience, List<Integer> classes, long seed) implements ImageBudget<Config> {
        public Config {
            positive("images", images, true);
            positive("steps", steps, false);
            positive("batch_size", batchSize, false);
            positive("patience", patience, false);
            if (!(lr > 0 && Double.isFinite(lr))) {
                throw new TbarException("invert.lr must be > 0, got " + lr);
            }
            if (!(initialLambda > 0 && Double.isFinite(initialLambda))) {
                throw new TbarException("invert.initial_lambda must be > 0, got " + initialLambda);
            }
            if (!(successThreshold > 0 && successThreshold <= 1)) {
                throw new TbarException("invert.success_threshold must be in (0, 1], got " + successThreshold);
            }
            classes = classes == null ? List.of() : List.copyOf(classes);
        }

        private static void positive(String key, int v, boolean zeroAllowed) {
            if (v < 0 || (v == 0 && !zeroAllowed)) {
                throw new TbarException("invert." + key + " must be " + (zeroAllowed ? ">= 0 (0 = all)" : "> 0")
                        + ", got " + v);
            }
        }

        public static Config defaults() {
            return new Config(0, 300, 32, 0.1, 1e-3, 0.99, 5, List.of(), 0);
        }

        @Override
        public Config withImages(int n) {
            return new Config(n, steps, batchSize, lr, initialLambda, successThreshold, patience, classes, seed);
        }

        public Config withSeed(long s) {
            return new Config(images, steps, batchSize, lr, initialLambda, successThreshold, patience, classes, s);
        }
    }

    /**
     * The inverted trigger of one candidate class.
     *
     * @param maskL1 sum of the mask (pixels) of the smallest mask that reached the success threshold on a batch, or
     *     of the last mask when none did
     * @param success fraction of the other classes' images the trigger sends to the class
     * @param reached whether any batch reached the success threshold
     * @param lambda the L1 weight at the end
     */
    public record ClassResult(int target, double maskL1, double success, boolean reached, double lambda,
            @JsonIgnore float[] mask, @JsonIgnore float[] pattern) {}

    /**
     * @param anomalyIndex per scanned class, (median norm - norm) / (1.4826 MAD): positive = smaller than typical
     * @param smallest the class with the smallest mask norm
     * @param detectedTarget {@code smallest} if its anomaly index exceeds {@value #FLAG_THRESHOLD}, else -1
     */
    public record Result(List<ClassResult> classes, double[] anomalyIndex, double medianNorm, double mad,
            int smallest, double smallestAnomalyIndex, int detectedTarget, @JsonIgnore int[] imageShape) {
        public boolean flagged() {
            return detectedTarget >= 0;
        }

        public ClassResult of(int target) {
            for (ClassResult c : classes) {
                if (c.target() == target) {
                    return c;
                }
            }
            throw new IllegalArgumentException("class " + target + " was not scanned");
        }

        /** The inverted trigger of {@code target} as a {@link dev.tbar.attack.Trigger}. */
        public InvertedTrigger trigger(int target) {
            ClassResult c = of(target);
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("method", "neural-cleanse");
            p.put("class", target);
            p.put("success", c.success());
            return InvertedTrigger.of(imageShape[0], imageShape[1], imageShape[2], c.mask(), c.pattern(), p);
        }
    }

    private NeuralCleanse() {}

    /** Scans the configured classes of {@code model} with {@code weights} frozen, on clean {@code data}. */
    public static Result run(ImageClassifier model, StateDict weights, ImageDataset data, Config cfg) {
        DecodedDataset sample = Inputs.sample(data, cfg.images(), cfg.seed());
        Image[] images = sample.images();
        int[] labels = sample.labels();
        List<Integer> classes = cfg.classes().isEmpty() ? range(model.numClasses()) : cfg.classes();
        for (int c : classes) {
            if (c < 0 || c >= model.numClasses()) {
                throw new TbarException("invert.classes: " + c + " is not a class of " + model.name() + " (expected 0.."
                        + (model.numClasses() - 1) + ")");
            }
        }
        try (StateDict frozen = Inputs.frozen(weights)) {
            StateDict w = frozen == null ? weights : frozen;
            List<ClassResult> out = new ArrayList<>();
            for (int c : classes) {
                out.add(invertClass(model, w, images, labels, c, cfg));
                ClassResult r = out.get(out.size() - 1);
                LOG.info(String.format("Neural Cleanse: class %d  mask L1 %.2f  success %.2f%%%s", c, r.maskL1(),
                        100 * r.success(), r.reached() ? "" : " (threshold not reached)"));
            }
            return summarise(out, new int[] {images[0].channels(), images[0].height(), images[0].width()});
        }
    }

    private static List<Integer> range(int n) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(i);
        }
        return l;
    }

    private static ClassResult invertClass(ImageClassifier model, StateDict w, Image[] images, int[] labels,
            int target, Config cfg) {
        int[] pool = java.util.stream.IntStream.range(0, images.length).filter(i -> labels[i] != target).toArray();
        if (pool.length == 0) {
            throw new TbarException("invert: no defender image outside class " + target + " to invert a trigger on");
        }
        Image first = images[0];
        long seed = cfg.seed() * 1_000_003L + target;
        SplittableRandom rnd = new SplittableRandom(seed);
        NDManager parent = w.manager().getParentManager();
        AdaptiveLambda schedule = new AdaptiveLambda(cfg.initialLambda(), cfg.patience());
        List<NDArray> lend = new ArrayList<>(w.asMap().values());
        try (MaskPattern mp = new MaskPattern(parent, first.channels(), first.height(), first.width(), cfg.lr(),
                seed)) {
            for (int s = 0; s < cfg.steps(); s++) {
                Image[] batch = new Image[Math.min(cfg.batchSize(), pool.length)];
                for (int i = 0; i < batch.length; i++) {
                    batch[i] = images[pool[rnd.nextInt(pool.length)]];
                }
                float lam = (float) schedule.lambda();
                double[] r;
                try (NDManager bm = parent.newSubManager()) {
                    r = mp.step(Batches.pixels(bm, batch), lend, (x, m) -> {
                        NDArray logits = model.forward(w, x, false);
                        NDArray ce = logits.logSoftmax(1).get(new NDIndex(":, {}", target)).mean().neg();
                        NDArray l1 = m.sum();
                        NDArray success = logits.argMax(1).eq(target).toType(DataType.FLOAT32, false).mean();
                        return new NDArray[] {ce.add(l1.mul(NDArrays.scalar(l1, lam))), success, l1};
                    });
                }
                schedule.step(r[1] >= cfg.successThreshold(), r[2], mp); // r = {loss, success, mask L1}
            }
            boolean reached = schedule.reached();
            float[] mask = schedule.mask(mp);
            float[] pattern = schedule.pattern(mp);
            double success = successRate(model, w, images, pool, mask, pattern, target, cfg.batchSize());
            return new ClassResult(target, Inputs.sum(mask), success, reached, schedule.lambda(), mask, pattern);
        }
    }

    /** Fraction of {@code pool}'s images that mask/pattern send to {@code target}, in eval mode. */
    static double successRate(ImageClassifier model, StateDict w, Image[] images, int[] pool, float[] mask,
            float[] pattern, int target, int batchSize) {
        Image first = images[0];
        int hits = 0;
        for (int start = 0; start < pool.length; start += batchSize) {
            int n = Math.min(batchSize, pool.length - start);
            Image[] batch = new Image[n];
            for (int i = 0; i < n; i++) {
                batch[i] = images[pool[start + i]];
            }
            try (NDManager bm = w.manager().getParentManager().newSubManager()) {
                bm.tempAttachAll(w.asMap().values().toArray(new NDArray[0]));
                NDArray m = bm.create(mask, new Shape(1, first.height(), first.width()));
                NDArray p = bm.create(pattern, new Shape(first.channels(), first.height(), first.width()));
                NDArray x = MaskPattern.triggered(Batches.pixels(bm, batch), m, p);
                hits += (int) model.forward(w, x, false).argMax(1).eq(target).sum().toType(DataType.INT64, false)
                        .getLong();
            }
        }
        return hits / (double) pool.length;
    }

    /** Anomaly indices of every class's norm and the detected target. */
    static Result summarise(List<ClassResult> classes, int[] shape) {
        double[] norms = classes.stream().mapToDouble(ClassResult::maskL1).toArray();
        double med = Inputs.median(norms);
        double[] dev = new double[norms.length];
        for (int i = 0; i < norms.length; i++) {
            dev[i] = Math.abs(norms[i] - med);
        }
        double mad = Inputs.median(dev);
        double[] index = anomalyIndices(norms);
        int smallest = 0;
        for (int i = 1; i < norms.length; i++) {
            if (norms[i] < norms[smallest]) {
                smallest = i;
            }
        }
        int detected = index[smallest] > FLAG_THRESHOLD ? classes.get(smallest).target() : -1;
        return new Result(List.copyOf(classes), index, med, mad, classes.get(smallest).target(), index[smallest],
                detected, shape);
    }

    /**
     * (median - x_i) / (1.4826 * MAD) for every value: how many robust standard deviations below the median each
     * lies. A zero MAD gives +/-infinity for values off the median and 0 on it.
     */
    public static double[] anomalyIndices(double[] values) {
        double med = Inputs.median(values);
        double[] dev = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            dev[i] = Math.abs(values[i] - med);
        }
        double scale = MAD_CONSISTENCY * Inputs.median(dev);
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            double d = med - values[i];
            out[i] = d == 0 ? 0 : d / scale;
        }
        return out;
    }
}
