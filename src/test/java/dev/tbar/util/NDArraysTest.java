package dev.tbar.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

class NDArraysTest {
    /**
     * The backward pass of x * c reads c. With x.mul(0.5f) DJL's borrowed 0-d tensor is freed by a collection
     * before backward and the gradient came out as 12345 (the churn's fill) or ~3e30 in every one of 20 tries.
     */
    @Test
    void scalarConstantOutlivesGarbageCollectionBeforeBackward() {
        for (int rep = 0; rep < 3; rep++) {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = m.ones(new Shape(4));
                x.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray y = x.mul(NDArrays.scalar(x, 0.5f)).sum();
                    GcChurn.once();
                    gc.backward(y);
                }
                assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, x.getGradient().toFloatArray());
            }
        }
    }

    @Test
    void scalarTakesTheTypeOfItsModel() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray c = NDArrays.scalar(m.zeros(new Shape(2), DataType.FLOAT64), 0.25f);
            assertEquals(DataType.FLOAT64, c.getDataType());
            assertEquals(new Shape(), c.getShape());
            assertEquals(0.25, c.getDouble());
        }
    }
}
