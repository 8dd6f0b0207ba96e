package dev.tbar.model.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.tbar.model.StateDict;
import org.junit.jupiter.api.Test;

/** The contrastive objective against a plain-Java computation, and its gradients. */
class ClipContrastiveTest {
    /** Three classes; the end token (99, the largest id) marks where each caption is pooled. */
    static final int[][] CAPTIONS = {{1, 5, 7, 99, 0}, {1, 6, 99, 0, 0}, {1, 8, 9, 4, 99}};

    @Test
    void lossIsSymmetricInfoNceWithSharedCaptionsAsPositives() {
        ClipModel model = new ClipModel(ClipModelTest.TINY);
        ClipContrastive objective = new ClipContrastive(model, CAPTIONS);
        try (NDManager m = NDManager.newBaseManager(); StateDict w = model.initialize(m, 3)) {
            for (long[] labels : new long[][] {{2, 0, 1}, {1, 0, 1, 2}}) {
                NDArray pixels = ClipModelTest.randomPixels(m, labels.length, 16, 4);
                float[] img = ClipModel.normalize(model.encodeImage(w, pixels)).toFloatArray();
                float[][] txt = new float[labels.length][];
                for (int i = 0; i < labels.length; i++) {
                    long[] ids = java.util.Arrays.stream(CAPTIONS[(int) labels[i]]).asLongStream().toArray();
                    txt[i] = ClipModel.normalize(model.encodeText(w, m.create(ids, new ai.djl.ndarray.types.Shape(1,
                            ids.length)))).toFloatArray();
                }
                double expected = javaLoss(img, txt, labels, Math.exp(w.get(ClipModel.LOGIT_SCALE).getFloat()));
                float got = objective.loss(w, pixels, m.create(labels), true).getFloat();
                assertEquals(expected, got, 1e-4, "labels " + java.util.Arrays.toString(labels));
            }
        }
    }

    @Test
    void gradientReachesBothTowersAndTheScale() {
        ClipModel model = new ClipModel(ClipModelTest.TINY);
        try (NDManager m = NDManager.newBaseManager(); StateDict w = model.initialize(m, 3)) {
            for (String k : w.parameterNames()) {
                w.get(k).setRequiresGradient(true);
            }
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(new ClipContrastive(model, CAPTIONS).loss(w, ClipModelTest.randomPixels(m, 3, 16, 4),
                        m.create(new long[] {0, 1, 2}), true));
            }
            for (String k : new String[] {ClipModel.VISUAL_PROJECTION, "vision_model.embeddings.class_embedding",
                    ClipModel.TEXT_PROJECTION, "text_model.embeddings.token_embedding.weight", ClipModel.LOGIT_SCALE}) {
                assertTrue(w.get(k).getGradient().abs().sum().getFloat() > 0, "gradient of " + k);
            }
        }
    }

    /** Mean over rows of -sum_j t_ij log softmax, both directions averaged; t_ij = same label, rows sum to 1. */
    private static double javaLoss(float[] img, float[][] txt, long[] labels, double scale) {
        int n = labels.length;
        int d = txt[0].length;
        double[][] logits = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double dot = 0;
                for (int k = 0; k < d; k++) {
                    dot += img[i * d + k] * txt[j][k];
                }
                logits[i][j] = scale * dot;
            }
        }
        double total = 0;
        for (int dir = 0; dir < 2; dir++) {
            for (int i = 0; i < n; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    max = Math.max(max, dir == 0 ? logits[i][j] : logits[j][i]);
                }
                double sum = 0;
                int positives = 0;
                for (int j = 0; j < n; j++) {
                    sum += Math.exp((dir == 0 ? logits[i][j] : logits[j][i]) - max);
                    positives += labels[i] == labels[j] ? 1 : 0;
                }
                for (int j = 0; j < n; j++) {
                    if (labels[i] == labels[j]) {
                        double lp = (dir == 0 ? logits[i][j] : logits[j][i]) - max - Math.log(sum);
                        total -= lp / positives / n;
                    }
                }
            }
        }
        return total / 2;
    }
}
