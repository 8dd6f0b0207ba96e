package dev.tbar.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import org.junit.jupiter.api.Test;

/** T * CE(logits / T), checked against the formula on a linear model's logits. */
class TemperedCrossEntropyTest {
    static final ImageClassifier MODEL = DirectionPenaltyTest.MODEL;

    @Test
    void theLossIsTTimesCrossEntropyOfTheScaledLogits() {
        double t = 4;
        try (NDManager m = NDManager.newBaseManager(); StateDict w = MODEL.initialize(m, 1)) {
            NDArray x = DirectionPenaltyTest.pixels(m);
            NDArray y = DirectionPenaltyTest.labels(m);
            float[] logits = MODEL.forward(w, x, false).toFloatArray();
            int classes = MODEL.numClasses();
            long[] labels = y.toLongArray();
            double expected = 0;
            for (int i = 0; i < labels.length; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k < classes; k++) {
                    max = Math.max(max, logits[i * classes + k] / t);
                }
                double sum = 0;
                for (int k = 0; k < classes; k++) {
                    sum += Math.exp(logits[i * classes + k] / t - max);
                }
                expected += t * (max + Math.log(sum) - logits[i * classes + (int) labels[i]] / t);
            }
            expected /= labels.length;
            double loss = Objectives.temperedCrossEntropy(MODEL, t).loss(w, x, y, false).getFloat();
            assertEquals(expected, loss, 1e-4 * Math.max(1, Math.abs(expected)));
        }
    }

    @Test
    void temperatureOneIsPlainCrossEntropyAndBelowOneIsRefused() {
        assertEquals(Objectives.crossEntropy(MODEL).getClass(), Objectives.temperedCrossEntropy(MODEL, 1).getClass());
        assertThrows(IllegalArgumentException.class, () -> Objectives.temperedCrossEntropy(MODEL, 0.5));
        assertThrows(IllegalArgumentException.class, () -> Objectives.temperedCrossEntropy(MODEL, Double.NaN));
    }
}
