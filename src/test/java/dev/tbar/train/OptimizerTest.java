package dev.tbar.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.tbar.model.StateDict;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Two optimizer steps on a 2-D and a 1-D parameter, against the update rules written out in plain Java. */
class OptimizerTest {
    private static final double[] W0 = {1, 2, 3, 4};
    private static final double[] B0 = {0.5, -0.5};
    private static final double[][] GW = {{0.1, 0.2, -0.3, 0.4}, {0.5, -0.5, 0.5, -0.5}};
    private static final double[][] GB = {{1, -1}, {0.2, 0.2}};
    private static final double[] LR = {0.1, 0.05};

    @Test
    void sgdMomentumMatchesPyTorchRule() {
        TrainConfig cfg = TrainConfig.defaults().with(Map.of("momentum", 0.9, "weight_decay", 0.1));
        double[][] out = run(cfg);
        // step 1 by hand: d = g + 0.1 p = 0.1 + 0.1 = 0.2 -> w[0] = 1 - 0.1 * 0.2 = 0.98; bias not decayed
        // step 2: d = 0.5 + 0.1 * 0.98 = 0.598, buf = 0.9 * 0.2 + 0.598 = 0.778 -> w[0] = 0.98 - 0.05 * 0.778
        assertEquals(0.98 - 0.05 * 0.778, out[0][0], 1e-6);
        assertEquals(0.5 - 0.1 * 1 - 0.05 * (0.9 * 1 + 0.2), out[1][0], 1e-6);
        assertClose(sgdReference(cfg, false), out);
    }

    @Test
    void sgdNesterovAndDecayOnOneDim() {
        TrainConfig cfg = TrainConfig.defaults().with(Map.of("momentum", 0.8, "weight_decay", 0.1, "nesterov",
                true, "decay_1d", true));
        assertClose(sgdReference(cfg, true), run(cfg));
    }

    @Test
    void adamwMatchesPyTorchRule() {
        TrainConfig cfg = TrainConfig.adamw(0.01).with(Map.of("weight_decay", 0.1, "beta1", 0.8, "beta2", 0.99));
        double[][] out = run(cfg);
        // step 1 by hand: the bias-corrected ratio m/sqrt(v) is sign(g): w[0] = 1 * (1 - 0.1 * 0.1) - 0.1 * ~1
        double w1 = 1 * (1 - 0.1 * 0.1) - 0.1 * 0.1 / (0.1 + 1e-8);
        double m = 0.8 * 0.2 * 0.1 + 0.2 * 0.5;
        double v = 0.99 * 0.01 * 0.01 + 0.01 * 0.25;
        double w2 = w1 * (1 - 0.05 * 0.1) - 0.05 / (1 - 0.64) * m / (Math.sqrt(v) / Math.sqrt(1 - 0.99 * 0.99)
                + 1e-8);
        assertEquals(w2, out[0][0], 1e-6);
        assertClose(adamReference(cfg), out);
    }

    /** Applies the two gradient steps with the optimizer under test; returns {weight, bias}. */
    private static double[][] run(TrainConfig cfg) {
        try (NDManager m = NDManager.newBaseManager(); StateDict w = new StateDict(m)) {
            w.putParameter("a.weight", w.manager().create(f(W0), new Shape(2, 2)));
            w.putParameter("a.bias", w.manager().create(f(B0)));
            try (Optimizer opt = Optimizer.create(cfg, w)) {
                for (int t = 0; t < 2; t++) {
                    try (NDManager step = m.newSubManager()) {
                        Map<String, NDArray> g = new LinkedHashMap<>();
                        g.put("a.weight", step.create(f(GW[t]), new Shape(2, 2)));
                        g.put("a.bias", step.create(f(GB[t])));
                        opt.step(w, g, LR[t]);
                    }
                }
                assertEquals(2, opt.steps());
            }
            return new double[][] {d(w.get("a.weight").toFloatArray()), d(w.get("a.bias").toFloatArray())};
        }
    }

    private static double[][] sgdReference(TrainConfig cfg, boolean decayBias) {
        double[][] p = {W0.clone(), B0.clone()};
        double[][][] g = {GW, GB};
        double[][] buf = {new double[4], new double[2]};
        for (int t = 0; t < 2; t++) {
            for (int k = 0; k < 2; k++) {
                for (int i = 0; i < p[k].length; i++) {
                    double wd = (k == 0 || decayBias) ? cfg.weightDecay() : 0;
                    double dd = g[k][t][i] + wd * p[k][i];
                    buf[k][i] = t == 0 ? dd : cfg.momentum() * buf[k][i] + dd;
                    double step = cfg.nesterov() ? dd + cfg.momentum() * buf[k][i] : buf[k][i];
                    p[k][i] -= LR[t] * step;
                }
            }
        }
        return p;
    }

    private static double[][] adamReference(TrainConfig cfg) {
        double[][] p = {W0.clone(), B0.clone()};
        double[][][] g = {GW, GB};
        double[][] m = {new double[4], new double[2]};
        double[][] v = {new double[4], new double[2]};
        double b1 = cfg.beta1();
        double b2 = cfg.beta2();
        for (int t = 0; t < 2; t++) {
            for (int k = 0; k < 2; k++) {
                for (int i = 0; i < p[k].length; i++) {
                    if (k == 0) {
                        p[k][i] *= 1 - LR[t] * cfg.weightDecay();
                    }
                    double gi = g[k][t][i];
                    m[k][i] = b1 * m[k][i] + (1 - b1) * gi;
                    v[k][i] = b2 * v[k][i] + (1 - b2) * gi * gi;
                    double mHat = m[k][i] / (1 - Math.pow(b1, t + 1));
                    double vHat = v[k][i] / (1 - Math.pow(b2, t + 1));
                    p[k][i] -= LR[t] * mHat / (Math.sqrt(vHat) + cfg.eps());
                }
            }
        }
        return p;
    }

    private static void assertClose(double[][] expected, double[][] actual) {
        for (int k = 0; k < expected.length; k++) {
            for (int i = 0; i < expected[k].length; i++) {
                assertEquals(expected[k][i], actual[k][i], 1e-6, "tensor " + k + " element " + i);
            }
        }
    }

    private static float[] f(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }

    private static double[] d(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
