package dev.tbar.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.tbar.TbarException;
import dev.tbar.model.StateDict;
import dev.tbar.train.Objective;
import ai.djl.ndarray.index.NDIndex;
import dev.tbar.util.NDArrays;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.List;

/**
 * CLIP's symmetric contrastive loss (InfoNCE over image-to-text and text-to-image similarities, scaled by the
 * learnable exp(logit_scale)) as an {@link Objective}, so {@code Trainer.train} fine-tunes both towers and the scale
 * of a full CLIP state ({@link ClipModel#parameterShapes}).
 *
 * <p>The loop passes pixels and labels, not captions: the caption of an image is its class name in a prompt
 * template, tokenised once here. Images of one class in a batch then share a caption, so rather than counting
 * those identical captions as negatives, every caption of the image's class is a positive with equal weight (soft
 * targets); with distinct labels this is exactly CLIP's loss.
 */
public final class ClipContrastive implements Objective {
    private final ClipModel model;
    private final int[][] captions;
    private final ClipPreprocess resize;

    /** @param captions token ids, row c the caption of class c, all of one length (at most the context length) */
    public ClipContrastive(ClipModel model, int[][] captions) {
        this.model = model;
        this.captions = captions.clone();
        if (captions.length == 0 || Arrays.stream(captions).anyMatch(c -> c.length != captions[0].length)) {
            throw new IllegalArgumentException("captions must be one or more rows of equal length");
        }
        this.resize = new ClipPreprocess(model.config().imageSize());
    }

    /** Captions {@code template} with each class name ({} = name), tokenised onto {@code manager}. */
    public static ClipContrastive forClasses(ClipModel model, ClipTokenizer tokenizer, List<String> classNames,
            String template) {
        if (classNames.isEmpty() || !template.contains("{}")) {
            throw new TbarException("contrastive captions need class names and a template with {} for the name, got "
                    + classNames.size() + " names and '" + template + "'");
        }
        int len = model.config().contextLength();
        int[][] ids = classNames.stream() // zero padding, as encodeBatch: the end token (largest id) marks the end
                .map(c -> Arrays.copyOf(tokenizer.encode(template.replace("{}", c), len), len)).toArray(int[][]::new);
        return new ClipContrastive(model, ids);
    }

    @Override
    public NDArray loss(StateDict weights, NDArray pixels, NDArray labels, boolean training) {
        NDArray y = labels.toType(DataType.INT64, false);
        NDArray logits = model.logitsPerImage(weights, model.encodeImage(weights, resize.resizeBatch(pixels)),
                captionEmbeddings(model, weights, captions, y));
        return softInfoNce(logits, y);
    }

    /**
     * Text embeddings (N, dim) of row {@code labels[i]} of {@code captions}: each distinct caption of the batch is
     * encoded once and its row repeated, since a batch of N images usually holds far fewer classes than N.
     */
    public static NDArray captionEmbeddings(ClipModel model, StateDict weights, int[][] captions, NDArray labels) {
        NDManager m = labels.getManager();
        long[] rows = labels.toType(DataType.INT64, false).toLongArray();
        TreeMap<Long, Integer> distinct = new TreeMap<>();
        for (long r : rows) {
            if (r < 0 || r >= captions.length) {
                throw new TbarException("label " + r + " has no caption (" + captions.length + " captions)");
            }
            distinct.putIfAbsent(r, 0);
        }
        int len = captions[0].length;
        long[] ids = new long[distinct.size() * len];
        int k = 0;
        for (Map.Entry<Long, Integer> e : distinct.entrySet()) {
            e.setValue(k);
            for (int j = 0; j < len; j++) {
                ids[k * len + j] = captions[e.getKey().intValue()][j];
            }
            k++;
        }
        long[] gather = Arrays.stream(rows).map(r -> distinct.get(r)).toArray();
        NDArray text = model.encodeText(weights, NDArrays.owned(m.create(ids, new Shape(distinct.size(), len))));
        return text.get(new NDIndex("{}", NDArrays.owned(m.create(gather))));
    }

    /**
     * Symmetric InfoNCE over a square similarity matrix whose row i and column j match when labels i and j are
     * equal: every match is a positive of equal weight (soft targets), so with distinct labels this is CLIP's loss.
     */
    public static NDArray softInfoNce(NDArray logits, NDArray labels) {
        NDArray y = labels.toType(DataType.INT64, true); // a copy: the views below must not outlive the caller's
        // one matrix serves both directions: it is symmetric
        NDArray same = y.reshape(-1, 1).eq(y.reshape(1, -1)).toType(DataType.FLOAT32, false);
        NDArray targets = same.div(same.sum(new int[] {1}, true));
        NDArray imageToText = targets.mul(logits.logSoftmax(1)).sum(new int[] {1}).mean().neg();
        NDArray textToImage = targets.mul(logits.transpose().logSoftmax(1)).sum(new int[] {1}).mean().neg();
        return imageToText.add(textToImage).mul(NDArrays.scalar(logits, 0.5f));
    }
}
