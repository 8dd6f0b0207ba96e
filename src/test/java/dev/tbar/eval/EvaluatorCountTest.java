package dev.tbar.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.tbar.data.InMemoryDataset;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shared counting that callers with their own logits (fine-pruning's masked head) use. */
class EvaluatorCountTest {
    private static InMemoryDataset labelled(int... labels) {
        byte[][] images = new byte[labels.length][];
        for (int i = 0; i < labels.length; i++) {
            images[i] = new byte[1];
        }
        return new InMemoryDataset(1, 1, 1, images, labels, List.of("a", "b", "c"), "labels only");
    }

    @Test
    void predictionsAreTheArgmaxOfEachRow() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] logits = {0.1f, 2f, -1f, 5f, 0f, 0f, -3f, -2f, -1f};
            assertArrayEquals(new int[] {1, 0, 2}, Evaluator.predictions(m.create(logits, new Shape(3, 3))));
        }
    }

    @Test
    void accuracyCountsPredictionsEqualToLabels() {
        InMemoryDataset data = labelled(0, 1, 2, 1);
        assertEquals(0.75, Evaluator.accuracy(new int[] {0, 1, 2, 0}, data));
        assertEquals(0.0, Evaluator.accuracy(new int[] {1, 0, 0, 0}, data));
        assertTrue(Double.isNaN(Evaluator.accuracy(new int[0], labelled())), "no images: NaN, as for a dataset");
        assertThrows(IllegalArgumentException.class, () -> Evaluator.accuracy(new int[] {0, 1}, data));
    }
}
