package dev.tbar.taskvector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.tbar.TbarException;
import dev.tbar.model.Safetensors;
import dev.tbar.model.StateDict;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Task-vector algebra on hand-built states whose expected values are worked out by hand. */
class TaskVectorTest {
    private static final float EPS = 1e-6f;

    private NDManager m;

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    /** w: 2x2 weight, b: bias of 2, bn.running_mean: a buffer, ids: an int64 parameter (not part of tau). */
    private StateDict state(float[] w, float[] b, float[] runningMean) {
        StateDict s = new StateDict(m);
        s.putParameter("w", m.create(w, new Shape(2, 2)));
        s.putParameter("b", m.create(b));
        s.putBuffer("bn.running_mean", m.create(runningMean));
        s.putParameter("ids", m.create(new long[] {7, 8}));
        return s;
    }

    private StateDict base() {
        return state(new float[] {1, 2, 3, 4}, new float[] {0, 1}, new float[] {5, 5});
    }

    private StateDict finetuned() {
        return state(new float[] {2, 2, 3, 1}, new float[] {0, 3}, new float[] {9, 9});
    }

    private static float[] floats(NDArray a) {
        return a.toFloatArray();
    }

    @Test
    void differenceCoversFloatParametersOnly() {
        try (StateDict b = base(); StateDict f = finetuned(); TaskVector tau = TaskVector.between(b, f)) {
            assertEquals(List.of("w", "b"), List.copyOf(tau.names()));
            assertArrayEquals(new float[] {1, 0, 0, -3}, floats(tau.get("w")), EPS);
            assertArrayEquals(new float[] {0, 2}, floats(tau.get("b")), EPS);
            assertEquals(new Shape(2, 2), tau.get("w").getShape());
            assertEquals(6, tau.numel());
        }
    }

    @Test
    void scaleAddNegateSubtract() {
        try (StateDict b = base(); StateDict f = finetuned(); TaskVector tau = TaskVector.between(b, f);
                TaskVector twice = tau.scale(2); TaskVector neg = tau.negate(); TaskVector sum = tau.add(twice);
                TaskVector zero = tau.add(neg); TaskVector diff = twice.subtract(tau)) {
            assertArrayEquals(new float[] {2, 0, 0, -6}, floats(twice.get("w")), EPS);
            assertArrayEquals(new float[] {-1, 0, 0, 3}, floats(neg.get("w")), EPS);
            assertArrayEquals(new float[] {3, 0, 0, -9}, floats(sum.get("w")), EPS);
            assertArrayEquals(new float[] {0, 6}, floats(sum.get("b")), EPS);
            assertEquals(0.0, zero.norm(), 0.0);
            assertArrayEquals(floats(tau.get("w")), floats(diff.get("w")), EPS);
            // operations return new vectors: the original is unchanged
            assertArrayEquals(new float[] {1, 0, 0, -3}, floats(tau.get("w")), EPS);
        }
    }

    @Test
    void scaleByNameGivesEachTensorItsOwnCoefficient() {
        try (StateDict b = base(); StateDict f = finetuned(); TaskVector tau = TaskVector.between(b, f);
                TaskVector s = tau.scale(name -> name.equals("w") ? -2 : 0.5)) {
            assertArrayEquals(new float[] {-2, 0, 0, 6}, floats(s.get("w")), EPS);
            assertArrayEquals(new float[] {0, 1}, floats(s.get("b")), EPS);
        }
    }

    @Test
    void trimKeepsTheLargestEntriesOfTheWholeVector() { // tau: w = {1, 0, 0, -3}, b = {0, 2}
        try (StateDict b = base(); StateDict f = finetuned(); TaskVector tau = TaskVector.between(b, f);
                TaskVector half = tau.trim(0.5); TaskVector top = tau.trim(0.2); TaskVector all = tau.trim(1)) {
            assertArrayEquals(new float[] {1, 0, 0, -3}, floats(half.get("w")), EPS);
            assertArrayEquals(new float[] {0, 2}, floats(half.get("b")), EPS);
            assertArrayEquals(new float[] {0, 0, 0, -3}, floats(top.get("w")), EPS);
            assertArrayEquals(new float[] {0, 0}, floats(top.get("b")), EPS);
            assertEquals(tau.norm(), all.norm(), 0.0);
        }
    }

    @Test
    void dampShrinksEntriesWhereTheWeightingIsLarge() { // tau: w = {1, 0, 0, -3}, b = {0, 2}
        try (StateDict b = base(); StateDict f = finetuned(); TaskVector tau = TaskVector.between(b, f);
                TaskVector weights = TaskVector.of(java.util.Map.of("w", m.create(new float[] {0, 1, 1, 2},
                        new Shape(2, 2)), "b", m.create(new float[] {0, 2})), m);
                TaskVector damped = tau.damp(weights, 1); TaskVector off = tau.damp(weights, 0);
                TaskVector owner = TaskVector.between(b, f)) {
            // mean weighting 1: each entry divided by 1 + w
            assertArrayEquals(new float[] {1, 0, 0, -1}, floats(damped.get("w")), EPS);
            assertArrayEquals(new float[] {0, 2f / 3}, floats(damped.get("b")), EPS);
            assertEquals(tau.norm(), off.norm(), 0.0);
            // neither operand's memory grows
            int before = weights.get("w").getManager().getManagedArrays().size();
            owner.damp(weights, 2).close();
            assertEquals(before, weights.get("w").getManager().getManagedArrays().size());
            assertThrows(IllegalArgumentException.class, () -> tau.damp(weights, -1));
        }
    }

    @Test
    void applyShiftsParametersAndKeepsBaseBuffers() {
        try (StateDict b = base(); StateDict f = finetuned(); TaskVector tau = TaskVector.between(b, f);
                StateDict minus = tau.applyTo(b, -0.5); StateDict plus = tau.applyTo(b, 1.0)) {
            assertArrayEquals(new float[] {0.5f, 2, 3, 5.5f}, floats(minus.get("w")), EPS);
            assertArrayEquals(new float[] {0, 0}, floats(minus.get("b")), EPS);
            // buffers and non-float tensors come from the base, untouched by tau
            assertArrayEquals(new float[] {5, 5}, floats(minus.get("bn.running_mean")), 0f);
            assertTrue(minus.isBuffer("bn.running_mean"));
            assertArrayEquals(new long[] {7, 8}, minus.get("ids").toLongArray());
            assertEquals(DataType.FLOAT32, minus.get("w").getDataType());
            // alpha = 1 recovers the fine-tuned parameters (but still the base's buffers)
            assertArrayEquals(floats(f.get("w")), floats(plus.get("w")), EPS);
            assertArrayEquals(new float[] {5, 5}, floats(plus.get("bn.running_mean")), 0f);
            // the base itself is not modified, and the result is a separate copy
            assertArrayEquals(new float[] {1, 2, 3, 4}, floats(b.get("w")), 0f);
            assertEquals(List.copyOf(b.names()), List.copyOf(minus.names()));
        }
    }

    @Test
    void normsAndCosine() {
        try (StateDict b = base(); StateDict f = finetuned(); TaskVector tau = TaskVector.between(b, f);
                TaskVector par = tau.scale(3); TaskVector anti = tau.scale(-0.5)) {
            // tau = w [1,0,0,-3], b [0,2]: |tau|^2 = 1 + 9 + 4 = 14
            assertEquals(Math.sqrt(14), tau.norm(), 1e-9);
            Map<String, Double> layers = tau.layerNorms();
            assertEquals(List.of("w", "b"), List.copyOf(layers.keySet()));
            assertEquals(Math.sqrt(10), layers.get("w"), 1e-9);
            assertEquals(2.0, layers.get("b"), 1e-9);
            assertEquals(14.0, tau.dot(tau), 1e-9);
            assertEquals(1.0, tau.cosine(par), 1e-9);
            assertEquals(-1.0, tau.cosine(anti), 1e-9);
        }
        // orthogonal by construction: disjoint supports
        try (TaskVector x = TaskVector.of(Map.of("p", m.create(new float[] {1, 0, 2})), m);
                TaskVector y = TaskVector.of(Map.of("p", m.create(new float[] {0, 5, 0})), m);
                TaskVector z = TaskVector.of(Map.of("p", m.create(new float[] {2, 1, -1})), m);
                TaskVector zero = x.scale(0)) {
            assertEquals(0.0, x.cosine(y), 1e-12);
            assertEquals(0.0, x.cosine(z), 1e-12); // 2 + 0 - 2
            assertTrue(Double.isNaN(x.cosine(zero)));
        }
    }

    @Test
    void restrictToZeroesOtherEntriesButKeepsKeys() {
        try (StateDict b = base(); StateDict f = finetuned(); TaskVector tau = TaskVector.between(b, f);
                TaskVector onlyBias = tau.restrictTo(k -> k.equals("b")); StateDict applied = onlyBias.applyTo(b, 1)) {
            assertEquals(tau.names(), onlyBias.names());
            assertArrayEquals(new float[] {0, 0, 0, 0}, floats(onlyBias.get("w")), 0f);
            assertArrayEquals(new float[] {1, 2, 3, 4}, floats(applied.get("w")), 0f);
            assertArrayEquals(new float[] {0, 3}, floats(applied.get("b")), EPS);
        }
    }

    @Test
    void mismatchedKeysOrShapesNameTheKey() {
        try (StateDict b = base(); StateDict f = finetuned()) {
            f.putParameter("extra.weight", m.create(new float[] {1}));
            TbarException e = assertThrows(TbarException.class, () -> TaskVector.between(b, f));
            assertTrue(e.getMessage().contains("'extra.weight'"), e.getMessage());
        }
        try (StateDict b = base(); StateDict f = finetuned()) {
            f.putParameter("w", m.create(new float[] {1, 2, 3, 4}, new Shape(4, 1)));
            TbarException e = assertThrows(TbarException.class, () -> TaskVector.between(b, f));
            assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("(4, 1)"), e.getMessage());
        }
        try (StateDict b = base(); StateDict f = finetuned()) {
            f.putBuffer("b", f.get("b").duplicate()); // a parameter turned buffer is not the same model
            TbarException e = assertThrows(TbarException.class, () -> TaskVector.between(b, f));
            assertTrue(e.getMessage().contains("'b'"), e.getMessage());
        }
        try (StateDict b = base(); StateDict f = finetuned(); TaskVector tau = TaskVector.between(b, f);
                TaskVector other = TaskVector.of(Map.of("w", m.zeros(new Shape(2, 2))), m);
                StateDict wrongShape = base()) {
            TbarException e = assertThrows(TbarException.class, () -> tau.add(other));
            assertTrue(e.getMessage().contains("'b'"), e.getMessage());
            e = assertThrows(TbarException.class, () -> other.applyTo(b, 1));
            assertTrue(e.getMessage().contains("'b'"), e.getMessage());
            wrongShape.putParameter("b", m.create(new float[] {1, 2, 3}));
            e = assertThrows(TbarException.class, () -> tau.applyTo(wrongShape, 1));
            assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("(3)"), e.getMessage());
        }
        TbarException e = assertThrows(TbarException.class,
                () -> TaskVector.of(Map.of("n", m.create(new int[] {1})), m));
        assertTrue(e.getMessage().contains("'n'"), e.getMessage());
    }

    @Test
    void saveLoadRoundTripKeepsValuesOrderAndMetadata(@TempDir Path dir) {
        Path file = dir.resolve("tau.safetensors");
        try (StateDict b = base(); StateDict f = finetuned(); TaskVector tau = TaskVector.between(b, f)) {
            tau.save(file, Map.of("alpha", "0.5"));
            try (TaskVector back = TaskVector.load(file, m)) {
                assertEquals(List.copyOf(tau.names()), List.copyOf(back.names()));
                assertArrayEquals(floats(tau.get("w")), floats(back.get("w")), 0f);
                assertArrayEquals(floats(tau.get("b")), floats(back.get("b")), 0f);
                assertEquals(tau.get("w").getShape(), back.get("w").getShape());
                assertEquals("0.5", back.metadata().get("alpha"));
                assertEquals(TaskVector.FORMAT_VALUE, back.metadata().get(TaskVector.FORMAT_KEY));
            }
        }
        // a model checkpoint is not a task vector
        Path ckpt = dir.resolve("model.safetensors");
        Safetensors.write(ckpt, Map.of("w", m.zeros(new Shape(2))), Map.of());
        TbarException e = assertThrows(TbarException.class, () -> TaskVector.load(ckpt, m));
        assertTrue(e.getMessage().contains(TaskVector.FORMAT_KEY), e.getMessage());
        assertThrows(TbarException.class, () -> TaskVector.load(dir.resolve("missing.safetensors"), m));
    }

    @Test
    void readOnlyOperationsDoNotGrowTheVectorsMemory() {
        try (StateDict b = base(); StateDict f = finetuned(); TaskVector tau = TaskVector.between(b, f)) {
            NDManager owner = tau.get("w").getManager();
            int before = owner.getManagedArrays().size();
            for (int i = 0; i < 5; i++) {
                tau.norm();
                tau.layerNorms();
                tau.cosine(tau);
                tau.applyTo(b, 0.3).close();
                tau.scale(2).close();
            }
            assertEquals(before, owner.getManagedArrays().size());
            assertEquals(Math.sqrt(14), tau.norm(), 1e-9); // and the tensors were handed back intact
            assertEquals(owner, tau.get("w").getManager());
        }
    }
}
