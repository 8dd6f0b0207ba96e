package dev.tbar.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.tbar.TbarException;
import dev.tbar.model.StateDict;
import dev.tbar.train.Objective;
import dev.tbar.util.NDArrays;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * CleanCLIP's objective (Bansal et al. 2023) on a full CLIP state: the multimodal contrastive loss plus
 * {@code lambda1} times an image-image and {@code lambda2} times a text-text self-supervised InfoNCE, which pull each
 * modality's views together independently and so break the trigger's spurious image-text link.
 *
 * <p>Per batch: view 1 of an image is what the training loop delivers (after its transform), view 2 a further
 * seeded tensor augmentation of it (random horizontal flip, brightness in [0.8, 1.2], Gaussian noise sigma 0.03);
 * every image gets two different prompt templates for its class (or the same one when only one is given). Image-image
 * positives are the two views of the same image; text-text and image-text positives are captions of the same class
 * (soft targets, see {@link ClipContrastive#softInfoNce}). All three use the learnable exp(logit_scale).
 *
 * <p>Stateful: batch k draws its randomness from (seed, k), so a run is reproducible when started afresh.
 */
public final class CleanClipLoss implements Objective {
    private final ClipModel model;
    private final int[][] captions;
    private final int templates;
    private final double lambda1;
    private final double lambda2;
    private final long seed;
    private final ClipPreprocess resize;
    private long batch;

    /**
     * @param captions token ids, row {@code c * templates + t} the caption of class c with template t, equal lengths
     */
    public CleanClipLoss(ClipModel model, int[][] captions, int templates, double lambda1, double lambda2,
            long seed) {
        if (templates < 1 || captions.length == 0 || captions.length % templates != 0) {
            throw new IllegalArgumentException("captions must be classes x templates rows, got " + captions.length
                    + " rows for " + templates + " templates");
        }
        this.model = model;
        this.captions = captions.clone();
        this.templates = templates;
        this.lambda1 = lambda1;
        this.lambda2 = lambda2;
        this.seed = seed;
        this.resize = new ClipPreprocess(model.config().imageSize());
    }

    /** Every class name in every template, tokenised to the model's context length. */
    public static int[][] tokenize(ClipTokenizer tokenizer, List<String> classNames, List<String> templates,
            int contextLength) {
        List<String> prompts = ZeroShotHead.prompts(classNames, templates); // class-major, as the rows above
        return prompts.stream().map(p -> Arrays.copyOf(tokenizer.encode(p, contextLength), contextLength))
                .toArray(int[][]::new);
    }

    @Override
    public NDArray loss(StateDict weights, NDArray pixels, NDArray labels, boolean training) {
        NDManager m = pixels.getManager();
        long[] y = labels.toType(DataType.INT64, false).toLongArray();
        int n = y.length;
        // a stream per batch, independent of how many draws earlier batches made
        SplittableRandom rnd = new SplittableRandom(seed + 0x9E3779B97F4A7C15L * ++batch);
        long[] rowA = new long[n];
        long[] rowB = new long[n];
        for (int i = 0; i < n; i++) {
            int a = rnd.nextInt(templates);
            int b = templates == 1 ? a : (a + 1 + rnd.nextInt(templates - 1)) % templates;
            rowA[i] = y[i] * templates + a;
            rowB[i] = y[i] * templates + b;
        }
        NDArray x1 = resize.resizeBatch(pixels);
        NDArray x2 = augment(x1, rnd);
        NDArray img1 = model.encodeImage(weights, x1);
        NDArray img2 = model.encodeImage(weights, x2);
        NDArray txt1 = ClipContrastive.captionEmbeddings(model, weights, captions, NDArrays.owned(m.create(rowA)));
        NDArray txt2 = ClipContrastive.captionEmbeddings(model, weights, captions, NDArrays.owned(m.create(rowB)));
        NDArray classes = NDArrays.owned(m.create(y));
        NDArray loss = ClipContrastive.softInfoNce(model.logitsPerImage(weights, img1, txt1), classes);
        if (lambda1 > 0) {
            NDArray self = m.arange(0, n, 1, DataType.INT64); // only the other view of the same image is positive
            loss = loss.add(ClipContrastive.softInfoNce(model.logitsPerImage(weights, img1, img2), self)
                    .mul(NDArrays.scalar(loss, (float) lambda1)));
        }
        if (lambda2 > 0) {
            loss = loss.add(ClipContrastive.softInfoNce(model.logitsPerImage(weights, txt1, txt2), classes)
                    .mul(NDArrays.scalar(loss, (float) lambda2)));
        }
        return loss;
    }

    /** Second image view: per-image flip and brightness, and noise, all drawn from {@code rnd}. */
    private static NDArray augment(NDArray x, SplittableRandom rnd) {
        NDManager m = x.getManager();
        Shape s = x.getShape();
        int n = (int) s.get(0);
        float[] flip = new float[n];
        float[] gain = new float[n];
        for (int i = 0; i < n; i++) {
            flip[i] = rnd.nextBoolean() ? 1f : 0f;
            gain[i] = (float) (0.8 + 0.4 * rnd.nextDouble());
        }
        float[] noise = new float[(int) s.size()];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (float) (0.03 * gaussian(rnd));
        }
        NDArray f = NDArrays.owned(m.create(flip, new Shape(n, 1, 1, 1)));
        NDArray mixed = x.flip(3).mul(f).add(x.mul(f.neg().add(1f)));
        NDArray g = NDArrays.owned(m.create(gain, new Shape(n, 1, 1, 1)));
        return mixed.mul(g).add(NDArrays.owned(m.create(noise, s))).clip(0f, 1f);
    }

    private static double gaussian(SplittableRandom rnd) {
        double u = Math.max(rnd.nextDouble(), 1e-12);
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }
}
