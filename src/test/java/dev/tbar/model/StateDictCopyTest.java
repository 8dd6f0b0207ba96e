package dev.tbar.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

/** A copy is independent of its source and leaves nothing behind in the source's manager. */
class StateDictCopyTest {
    @Test
    void copyIsIndependentAndDoesNotLeak() throws InterruptedException {
        ImageClassifier model = new ResNetCifar(8, 2, Normalization.IMAGENET);
        try (NDManager m = NDManager.newBaseManager(); StateDict w = model.initialize(m, 1)) {
            int arrays = m.getManagedArrays().size();
            float[] before = w.get("conv1.weight").toFloatArray();
            try (StateDict c = w.copy()) {
                c.get("conv1.weight").muli(2);
                assertEquals(w.parameterNames(), c.parameterNames());
                assertEquals(2 * before[0], c.get("conv1.weight").toFloatArray()[0]);
            }
            System.gc();
            Thread.sleep(20);
            assertArrayEquals(before, w.get("conv1.weight").toFloatArray());
            assertEquals(arrays, m.getManagedArrays().size());
        }
    }
}
