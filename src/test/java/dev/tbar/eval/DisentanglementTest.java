package dev.tbar.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.tbar.TbarException;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import dev.tbar.taskvector.TaskVector;
import dev.tbar.train.TestModels;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A two-class linear model on 1x2x2 images, logits = W x + b, with hand-built vectors: clean images light only pixel
 * 0, triggered images only pixel 3, so which weights each vector touches decides xi exactly.
 */
class DisentanglementTest {
    /** Linear classifier on the flattened pixels: {@code fc.weight} (2, 4) and {@code fc.bias} (2). */
    private static final ImageClassifier PROBE = TestModels.linear(1, 2, 2);

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private StateDict weights(float[] w, float[] b) {
        StateDict s = new StateDict(manager);
        s.putParameter("fc.weight", s.manager().create(w, new Shape(2, 4)));
        s.putParameter("fc.bias", s.manager().create(b, new Shape(2)));
        return s;
    }

    private TaskVector vector(float[] w, float[] b) {
        try (StateDict s = weights(w, b)) {
            return TaskVector.of(s.asMap(), manager);
        }
    }

    /** Images lighting one pixel with the given 8-bit values (v / 255). */
    private static InMemoryDataset images(int pixel, int... values) {
        byte[][] im = new byte[values.length][4];
        for (int i = 0; i < values.length; i++) {
            im[i][pixel] = (byte) values[i];
        }
        return new InMemoryDataset(1, 2, 2, im, new int[values.length], List.of("a", "b"), "hand-built");
    }

    // theta0 predicts class 0 everywhere (bias 0.5 vs 0)
    private StateDict theta0() {
        return weights(new float[8], new float[] {0.5f, 0});
    }

    // clean pixel 0 values 0.2, 0.4, 0.6, 0.8
    private final InMemoryDataset clean = images(0, 51, 102, 153, 204);
    private final InMemoryDataset triggered = images(3, 255, 255, 255);

    @Test
    void vectorsOnDisjointInputsAreExactlyDisentangled() {
        // tau_c moves class 1's weight on pixel 0 only, tau_t on pixel 3 only: neither sees the other's inputs
        try (StateDict base = theta0();
                TaskVector tauC = vector(new float[] {0, 0, 0, 0, 1, 0, 0, 0}, new float[2]);
                TaskVector tauT = vector(new float[] {0, 0, 0, 0, 0, 0, 0, 2}, new float[2])) {
            double[] coefs = Disentanglement.linspace(0, 2, 5);
            Disentanglement.Grid g = Disentanglement.compute(PROBE, base, tauC, tauT, clean, triggered, coefs,
                    coefs);
            assertEquals(25, g.cells().size());
            for (Disentanglement.Cell c : g.cells()) {
                assertEquals(0.0, c.xi(), "cell " + c);
            }
            // the grid is not trivial: both vectors do change predictions on their own inputs
            InMemoryDataset lit = new InMemoryDataset(1, 2, 2, new byte[][] {{0, 0, 0, (byte) 255}}, new int[] {1},
                    List.of("a", "b"), "one triggered image labelled 1");
            try (StateDict w = tauT.applyTo(base, 2)) {
                assertEquals(1.0, Evaluator.accuracy(PROBE, w, lit));
            }
        }
    }

    @Test
    void aSharedBiasShiftGivesTheHandComputedDisagreement() {
        // tau_t raises class 1's bias by 1: it flips clean images whose class-1 logit a_c*v lies in (0.5 - a_t, 0.5]
        try (StateDict base = theta0();
                TaskVector tauC = vector(new float[] {0, 0, 0, 0, 1, 0, 0, 0}, new float[2]);
                TaskVector tauT = vector(new float[8], new float[] {0, 1})) {
            double[] ac = {0, 1, 2};
            double[] at = {0, 0.25, 1};
            Disentanglement.Grid g = Disentanglement.compute(PROBE, base, tauC, tauT, clean, triggered, ac, at);
            // rows a_t, columns a_c; triggered images have pixel 0 dark, so tau_c never changes them: term 2 is 0
            double[][] expected = {
                {0, 0, 0},          // a_t = 0: the models are equal
                {0, 0.25, 0.25},    // a_t = 0.25: a_c=1 flips v=0.4; a_c=2 flips 2v=0.4 (v=0.2)
                {1, 0.5, 0.25}};    // a_t = 1: a_c=0 flips all; a_c=1 flips v<=0.4; a_c=2 flips v=0.2
            double[][] xi = g.xi();
            for (int r = 0; r < 3; r++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(expected[r][c], xi[r][c], 1e-12, "a_t " + at[r] + ", a_c " + ac[c]);
                    assertEquals(0.0, g.cell(r, c).triggerDisagreement());
                }
            }
            assertEquals(1.0, g.maxXi());
        }
    }

    @Test
    void cosineMatrixIsSymmetricWithUnitDiagonal() {
        try (TaskVector a = vector(new float[] {1, 0, 0, 0, 0, 0, 0, 0}, new float[2]);
                TaskVector b = vector(new float[] {1, 1, 0, 0, 0, 0, 0, 0}, new float[2]);
                TaskVector z = vector(new float[8], new float[2])) {
            Map<String, TaskVector> m = new LinkedHashMap<>();
            m.put("a", a);
            m.put("b", b);
            m.put("zero", z);
            double[][] cos = Disentanglement.cosines(m);
            assertEquals(1.0, cos[0][0], 1e-12);
            assertEquals(1 / Math.sqrt(2), cos[0][1], 1e-12);
            assertEquals(cos[0][1], cos[1][0]);
            assertTrue(Double.isNaN(cos[2][0]), "a zero vector has no direction");
            assertEquals(1 / Math.sqrt(2), Disentanglement.cosineTable(List.of("a", "b", "zero"), cos).get("b")
                    .get("a"), 1e-12);
        }
    }

    @Test
    void emptyInputsAreRefused() {
        assertThrows(TbarException.class, () -> Disentanglement.linspace(1, 0, 3));
        try (StateDict base = theta0(); TaskVector t = vector(new float[8], new float[2])) {
            assertThrows(TbarException.class, () -> Disentanglement.compute(PROBE, base, t, t, images(0),
                    triggered, new double[] {0}, new double[] {0}));
        }
    }
}
