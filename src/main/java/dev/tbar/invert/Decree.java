package dev.tbar.invert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DECREE (Feng et al. 2023) for a self-supervised image encoder, no labels: the smallest mask m and pattern p such that
 * the embeddings of triggered clean images (1 - m) x + m p collapse together (mean pairwise cosine similarity above a
 * threshold), found by minimising -similarity + lambda |m|_1 with lambda adapted like Neural Cleanse's. A backdoored
 * encoder already maps its trigger to one point, so it needs a far smaller mask (PL1-norm = |m|_1 / (H W)) than a
 * clean one, which has to overwrite most of the image.
 */
public final class Decree {
    private static final Logger LOG = LoggerFactory.getLogger(Decree.class);

    /**
     * PL1-norm below which a model is flagged as backdoored. A trigger that collapses every embedding while covering
     * under a tenth of the image has to be something the model learned to respond to, not a feature of clean images
     * (which a clean model only ignores when most of the image is overwritten). A round cut, not calibrated here:
     * the benchmark records PL1 for backdoored and clean models (README).
     */
    public static final double FLAG_PL1 = 0.1;

    /**
     * @param images clean images used (0 = all given)
     * @param similarityThreshold mean pairwise cosine of triggered embeddings above which lambda is raised
     */
    public record Config(int images, int steps, int batchSize, double lr, double initialLambda,
            double similarityThreshold, int patience, long seed) implements ImageBudget<Config> {
        public Config {
            if (images < 0) {
                throw new TbarException("decree.images must be >= 0 (0 = all), got " + images);
            }
            if (steps < 1) {
                throw new TbarException("decree.steps must be > 0, got " + steps);
            }
            if (batchSize < 2) {
                throw new TbarException("decree.batch_size must be >= 2 (pairs of images), got " + batchSize);
            }
            if (!(lr > 0 && Double.isFinite(lr))) {
                throw new TbarException("decree.lr must be > 0, got " + lr);
            }
            if (!(initialLambda > 0 && Double.isFinite(initialLambda))) {
                throw new TbarException("decree.initial_lambda must be > 0, got " + initialLambda);
            }
            if (!(similarityThreshold > -1 && similarityThreshold <= 1)) {
                throw new TbarException("decree.similarity_threshold must be in (-1, 1], got "
                        + similarityThreshold);
            }
            if (patience < 1) {
                throw new TbarException("decree.patience must be > 0, got " + patience);
            }
        }

        public static Config defaults() {
            return new Config(0, 300, 32, 0.1, 1e-3, 0.9, 5, 0);
        }

        @Override
        public Config withImages(int n) {
            return new Config(n, steps, batchSize, lr, initialLambda, similarityThreshold, patience, seed);
        }

        public Config withSeed(long s) {
            return new Config(images, steps, batchSize, lr, initialLambda, similarityThreshold, patience, s);
        }
    }

    /**
     * @param maskL1 sum of the mask, in pixels
     * @param pl1 {@code maskL1} over the image area (H * W)
     * @param meanCosine mean pairwise cosine similarity of the triggered embeddings of all the images used
     * @param reached whether a batch reached the similarity threshold (else the last mask is reported)
     */
    public record Result(double maskL1, double pl1, double meanCosine, boolean reached, double lambda,
            @JsonIgnore float[] mask, @JsonIgnore float[] pattern, @JsonIgnore int[] imageShape) {
        /** The inverted trigger as a {@link dev.tbar.attack.Trigger}. */
        public InvertedTrigger trigger() {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("method", "decree");
            p.put("pl1", pl1);
            p.put("mean_cosine", meanCosine);
            return InvertedTrigger.of(imageShape[0], imageShape[1], imageShape[2], mask, pattern, p);
        }
    }

    private Decree() {}

    /**
     * DECREE on a classifier's encoder ({@link ImageEncoder#of}): the penultimate features, or a CLIP classifier's
     * image tower, with {@code weights} frozen.
     */
    public static Result run(ImageClassifier model, StateDict weights, ImageDataset data, Config cfg) {
        try (StateDict frozen = Inputs.frozen(weights)) {
            StateDict w = frozen == null ? weights : frozen;
            NDManager parent = w.manager().getParentManager();
            try (NDManager own = parent.newSubManager()) {
                ImageEncoder encoder = ImageEncoder.of(model, w);
                DecodedDataset sample = Inputs.sample(data, cfg.images(), cfg.seed());
                // the sample decoded here is the one DECREE optimises on: it is not sampled or decoded again
                return run(centered(encoder, sample.images(), cfg.batchSize(), own), sample, cfg.withImages(0),
                        parent);
            }
        }
    }

    /**
     * {@code encoder} minus the mean clean embedding of {@code images} (held by {@code owner}). A classifier's
     * penultimate features are ReLU outputs, all non-negative, so any two clean images already agree in cosine;
     * centred, the cosine measures agreement beyond what every clean image shares, and only a real collapse scores.
     */
    static ImageEncoder centered(ImageEncoder encoder, Image[] images, int batchSize, NDManager owner) {
        NDArray sum = null;
        try (NDManager sm = owner.newSubManager()) {
            sm.tempAttachAll(encoder.tensors().toArray(new NDArray[0]));
            for (int start = 0; start < images.length; start += batchSize) {
                Image[] batch = java.util.Arrays.copyOfRange(images, start, Math.min(images.length, start + batchSize));
                NDArray s = encoder.embed(Batches.pixels(sm, batch)).sum(new int[] {0}, true);
                sum = sum == null ? s : sum.add(s);
            }
            sum.attach(owner);
        }
        NDArray mean = sum.div((float) images.length);
        java.util.List<NDArray> lent = new java.util.ArrayList<>(encoder.tensors());
        lent.add(mean);
        return new ImageEncoder() {
            @Override
            public NDArray embed(NDArray pixels) {
                return encoder.embed(pixels).sub(mean);
            }

            @Override
            public java.util.Collection<NDArray> tensors() {
                return lent;
            }
        };
    }

    /** Inverts a collapse trigger of {@code encoder} on clean {@code data}; labels are ignored. */
    public static Result run(ImageEncoder encoder, ImageDataset data, Config cfg, NDManager manager) {
        Image[] images = Inputs.sample(data, cfg.images(), cfg.seed()).images();
        if (images.length < 2) {
            throw new TbarException("decree needs at least 2 clean images, got " + images.length);
        }
        Image first = images[0];
        SplittableRandom rnd = new SplittableRandom(cfg.seed());
        AdaptiveLambda schedule = new AdaptiveLambda(cfg.initialLambda(), cfg.patience());
        try (MaskPattern mp = new MaskPattern(manager, first.channels(), first.height(), first.width(), cfg.lr(),
                cfg.seed())) {
            for (int s = 0; s < cfg.steps(); s++) {
                Image[] batch = new Image[Math.min(cfg.batchSize(), images.length)];
                for (int i = 0; i < batch.length; i++) {
                    batch[i] = images[rnd.nextInt(images.length)];
                }
                float lam = (float) schedule.lambda();
                double[] r;
                try (NDManager bm = manager.newSubManager()) {
                    r = mp.step(Batches.pixels(bm, batch), encoder.tensors(), (x, m) -> {
                        NDArray sim = meanPairwiseCosine(encoder.embed(x));
                        NDArray l1 = m.sum();
                        return new NDArray[] {sim.neg().add(l1.mul(NDArrays.scalar(l1, lam))), sim, l1};
                    });
                }
                schedule.step(r[1] >= cfg.similarityThreshold(), r[2], mp);
            }
            boolean reached = schedule.reached();
            float[] mask = schedule.mask(mp);
            float[] pattern = schedule.pattern(mp);
            double cos = similarity(encoder, images, mask, pattern, cfg.batchSize(), manager);
            double l1 = Inputs.sum(mask);
            double pl1 = l1 / (first.height() * first.width());
            LOG.info(String.format("DECREE: PL1-norm %.4f (mask L1 %.2f), mean cosine %.4f%s", pl1, l1, cos,
                    reached ? "" : " (threshold not reached)"));
            return new Result(l1, pl1, cos, reached, schedule.lambda(), mask, pattern,
                    new int[] {first.channels(), first.height(), first.width()});
        }
    }

    /** Mean cosine similarity over distinct pairs of rows of {@code e} (N, D), N >= 2. */
    static NDArray meanPairwiseCosine(NDArray e) {
        long n = e.getShape().get(0);
        NDArray u = e.div(e.square().sum(new int[] {1}, true).sqrt().add(1e-8f));
        // The sum of all cosines minus the diagonal's n ones, over the n (n - 1) ordered pairs.
        NDArray total = u.matMul(u.transpose()).sum().sub((float) n);
        return total.div(NDArrays.scalar(total, (float) (n * (n - 1)))); // autograd keeps the divisor
    }

    /** Mean pairwise cosine of the triggered embeddings of all {@code images} (forward passes only). */
    static double similarity(ImageEncoder encoder, Image[] images, float[] mask, float[] pattern, int batchSize,
            NDManager manager) {
        Image first = images[0];
        try (NDManager sm = manager.newSubManager()) {
            sm.tempAttachAll(encoder.tensors().toArray(new NDArray[0]));
            NDArray m = NDArrays.owned(sm.create(mask, new Shape(1, first.height(), first.width())));
            NDArray p = NDArrays.owned(sm.create(pattern, new Shape(first.channels(), first.height(), first.width())));
            NDArray all = null;
            for (int start = 0; start < images.length; start += batchSize) {
                Image[] batch = java.util.Arrays.copyOfRange(images, start, Math.min(images.length, start + batchSize));
                NDArray e = encoder.embed(MaskPattern.triggered(Batches.pixels(sm, batch), m, p));
                all = all == null ? e : all.concat(e, 0);
            }
            return meanPairwiseCosine(all).getFloat();
        }
    }
}
