package dev.tbar.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import dev.tbar.data.Batches;
import dev.tbar.data.Image;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.Layers;
import dev.tbar.model.Normalization;
import dev.tbar.model.ResNetCifar;
import dev.tbar.model.StateDict;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The linearized model on ResNet-8 (BatchNorm + ReLU, so f itself is far from linear) at 8x8. */
class LinearizedTest {
    static final ResNetCifar MODEL = new ResNetCifar(8, 2, Normalization.IMAGENET);
    static final ImageDataset DATA = TestModels.halves(16, 8, 1);
    /** A smooth two-layer network, tanh hidden units on centred pixels: nonlinear in its weights, no kinks. */
    static final ImageClassifier MLP = new TestModels.Mlp(3, 8, 12, 2, TestModels.Act.TANH, 0.5f, 0.5);

    static NDArray pixels(NDManager m) {
        Image[] batch = new Image[DATA.size()];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = DATA.image(i);
        }
        return Batches.pixels(m, batch);
    }

    /** Seeded init whose BatchNorm running statistics are those of the data, as after training. */
    static StateDict anchor(NDManager m) {
        StateDict w = MODEL.initialize(m, 7);
        try (NDManager tmp = m.newSubManager()) {
            NDArray x = pixels(tmp);
            Layers.withBatchNormMomentum(1f, () -> MODEL.forward(w, x, true));
        }
        return w;
    }

    /** A seeded Gaussian direction with the same global norm as the anchor's parameters. */
    static Map<String, NDArray> direction(StateDict w, NDManager m, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, NDArray> d = new LinkedHashMap<>();
        double vv = 0;
        double ww = 0;
        for (String name : w.parameterNames()) {
            NDArray p = w.get(name);
            float[] v = new float[(int) p.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rnd.nextGaussian();
                vv += v[i] * (double) v[i];
            }
            ww += p.square().sum().getFloat();
            d.put(name, m.create(v, p.getShape()));
        }
        float scale = (float) Math.sqrt(ww / vv);
        d.replaceAll((k, v) -> v.mul(scale));
        return d;
    }

    static StateDict shifted(StateDict w, Map<String, NDArray> d, double eps) {
        StateDict out = w.copy();
        for (String name : w.parameterNames()) {
            out.putParameter(name, out.get(name).add(d.get(name).mul((float) eps)));
        }
        return out;
    }

    static float maxAbs(NDArray a) {
        return a.abs().max().getFloat();
    }

    @Test
    void atTheAnchorItIsTheModelAndIgnoresTheWeightsBuffers() {
        try (NDManager m = NDManager.newBaseManager(); StateDict w0 = anchor(m); StateDict same = w0.copy()) {
            NDArray x = pixels(m);
            Linearized lin = new Linearized(MODEL, w0);
            float[] f = MODEL.forward(w0, x, false).toFloatArray();
            assertArrayEquals(f, lin.forward(w0, x, false).toFloatArray(), 0f);
            same.putBuffer("bn1.running_mean", same.get("bn1.running_mean").add(3f));
            assertArrayEquals(f, lin.forward(same, x, true).toFloatArray(), 0f, "theta0's statistics, eval mode");
        }
    }

    @Test
    void agreesWithTheModelToFirstOrderAndIsExactlyLinear() {
        // A smooth model: ReLU kinks crossed by the perturbation would blur the eps^2 law (see the ResNet tests)
        try (NDManager m = NDManager.newBaseManager(); StateDict w0 = MLP.initialize(m, 4)) {
            NDArray x = pixels(m);
            Linearized lin = new Linearized(MLP, w0);
            Map<String, NDArray> v = direction(w0, m, 3);
            NDArray f0 = MLP.forward(w0, x, false);
            double[] eps = {0.04, 0.02, 0.01, 0.005};
            double[] err = new double[eps.length];
            for (int i = 0; i < eps.length; i++) {
                try (StateDict w = shifted(w0, v, eps[i])) {
                    err[i] = maxAbs(lin.forward(w, x, false).sub(MLP.forward(w, x, false)));
                }
            }
            for (int i = 1; i < eps.length; i++) {
                double ratio = err[i - 1] / err[i];
                assertTrue(ratio > 3.5 && ratio < 4.5, "error ~ eps^2: " + java.util.Arrays.toString(err));
            }
            try (StateDict one = shifted(w0, v, 0.01); StateDict two = shifted(w0, v, 0.02)) {
                NDArray d1 = lin.forward(one, x, false).sub(f0);
                NDArray d2 = lin.forward(two, x, false).sub(f0);
                // theta0 + eps*v is rounded to float32 before f_lin sees it: ~1e-5 relative in theta - theta0
                assertTrue(maxAbs(d2.sub(d1.mul(2))) <= 1e-4 * maxAbs(d2), "linear in theta - theta0: "
                        + maxAbs(d2.sub(d1.mul(2))) + " of " + maxAbs(d2));
            }
            Map<String, NDArray> twice = new LinkedHashMap<>();
            v.forEach((k, a) -> twice.put(k, a.mul(2)));
            NDArray j1 = Linearized.jvp(MLP, w0, v, x).tangent();
            assertArrayEquals(j1.mul(2).toFloatArray(), Linearized.jvp(MLP, w0, twice, x).tangent().toFloatArray(), 0f,
                    "exactly linear in the direction");
        }
    }

    @Test
    void jvpOfTheResNetMatchesReverseModeTwice() {
        try (NDManager m = NDManager.newBaseManager(); StateDict w0 = anchor(m)) {
            NDArray x = pixels(m);
            Map<String, NDArray> v = direction(w0, m, 5);
            NDArray jv = Linearized.jvp(MODEL, w0, v, x).tangent();
            NDArray exact = doubleBackwardJvp(MODEL, w0, v, x);
            float scale = maxAbs(exact);
            assertTrue(scale > 0.1);
            assertTrue(maxAbs(jv.sub(exact)) < 1e-5 * scale, "vs autodiff: " + maxAbs(jv.sub(exact)) + " of " + scale);
        }
    }

    @Test
    void jvpMatchesFloat32FiniteDifferencesOnASmoothModel() {
        try (NDManager m = NDManager.newBaseManager(); StateDict w0 = MLP.initialize(m, 4)) {
            NDArray x = pixels(m);
            Map<String, NDArray> v = direction(w0, m, 6);
            NDArray jv = Linearized.jvp(MLP, w0, v, x).tangent();
            float scale = maxAbs(jv);
            double h = 1e-3; // coarse (float32), but independent of the float64 difference inside jvp
            try (StateDict p = shifted(w0, v, h); StateDict q = shifted(w0, v, -h)) {
                NDArray fd = MLP.forward(p, x, false).sub(MLP.forward(q, x, false)).div((float) (2 * h));
                assertTrue(maxAbs(jv.sub(fd)) < 1e-3 * scale, "vs finite differences: " + maxAbs(jv.sub(fd)));
            }
            assertTrue(maxAbs(jv.sub(doubleBackwardJvp(MLP, w0, v, x))) < 1e-5 * scale, "vs autodiff");
        }
    }

    @Test
    void theTrainerGetsTheTransposedJacobianTimesTheLinearizedResidual() {
        try (NDManager m = NDManager.newBaseManager(); StateDict w0 = anchor(m); NDManager dm = m.newSubManager()) {
            Linearized lin = new Linearized(MODEL, w0);
            StateDict w = shifted(w0, direction(w0, dm, 9), 0.05);
            StateDict before = w.copy();
            NDArray x = pixels(m);
            int[] y = new int[DATA.size()];
            for (int i = 0; i < y.length; i++) {
                y[i] = DATA.label(i);
            }
            // r = dL/df_lin for the mean cross-entropy, at the linearized logits
            NDArray z = lin.forward(w, x, false);
            NDArray r = z.softmax(1).sub(Batches.labels(m, y).oneHot(2).toType(DataType.FLOAT32, false))
                    .div(y.length);
            Map<String, NDArray> expected = transposedJacobianTimes(w0, r, x);
            int arrays = m.getManagedArrays().size();
            double lr = 100; // large, so that theta - theta' resolves the gradient well in float32
            TrainConfig cfg = TrainConfig.defaults().with(Map.of("lr", lr, "momentum", 0.0, "weight_decay", 0.0,
                    "max_steps", 1, "batch_size", y.length, "schedule", "constant"));
            Trainer.train(Objectives.crossEntropy(lin), w, DATA, null, cfg, null, null);
            assertEquals(arrays, m.getManagedArrays().size(), "nothing left behind");
            for (String name : w0.parameterNames()) {
                NDArray got = before.get(name).sub(w.get(name)).div((float) lr);
                NDArray want = expected.get(name);
                float tol = 1e-4f * Math.max(maxAbs(want), 1e-3f);
                assertTrue(maxAbs(got.sub(want)) < tol, name + ": " + maxAbs(got.sub(want)) + " vs " + tol);
            }
            for (String name : w0.names()) {
                if (w0.isBuffer(name)) {
                    assertArrayEquals(before.get(name).toFloatArray(), w.get(name).toFloatArray(), 0f, name);
                }
            }
        }
    }

    @Test
    void atTheAnchorAStepEqualsAPlainEvalModeStep() {
        try (NDManager m = NDManager.newBaseManager(); StateDict w0 = anchor(m); StateDict a = w0.copy();
                StateDict b = w0.copy()) {
            TrainConfig cfg = TrainConfig.defaults().with(Map.of("lr", 0.1, "max_steps", 1, "batch_size", 16,
                    "train_mode", false));
            Trainer.train(Objectives.crossEntropy(MODEL), a, DATA, null, cfg, null, null);
            Trainer.train(Objectives.crossEntropy(new Linearized(MODEL, w0)), b, DATA, null, cfg, null, null);
            for (String name : w0.parameterNames()) {
                assertArrayEquals(a.get(name).toFloatArray(), b.get(name).toFloatArray(), 1e-6f, name);
            }
        }
    }

    /** J(theta0)^T r, the gradient of sum(r * f(x; theta0)) with respect to theta0 (plain reverse mode). */
    static Map<String, NDArray> transposedJacobianTimes(StateDict w0, NDArray r, NDArray x) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        try (StateDict leaves = w0.copy()) {
            for (String name : leaves.parameterNames()) {
                leaves.get(name).setRequiresGradient(true);
            }
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                gc.backward(MODEL.forward(leaves, x, false).mul(r).sum());
            }
            for (String name : leaves.parameterNames()) {
                NDArray g = leaves.get(name).getGradient().duplicate();
                g.attach(x.getManager());
                out.put(name, g);
            }
        }
        return out;
    }

    /** J v by reverse mode twice (create_graph); a reference only, as it leaks its graph (see Linearized#jvp). */
    static NDArray doubleBackwardJvp(ImageClassifier model, StateDict w0, Map<String, NDArray> v, NDArray x) {
        try (StateDict leaves = w0.copy(); GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            for (String name : leaves.parameterNames()) {
                leaves.get(name).setRequiresGradient(true);
            }
            NDArray y = model.forward(leaves, x, false);
            NDArray u = x.getManager().zeros(y.getShape());
            u.setRequiresGradient(true);
            JniUtils.backward((PtNDArray) y, (PtNDArray) u, true, true);
            NDArray inner = null;
            for (String name : leaves.parameterNames()) {
                NDArray t = leaves.get(name).getGradient().mul(v.get(name)).sum();
                inner = inner == null ? t : inner.add(t);
            }
            JniUtils.backward((PtNDArray) inner, (PtNDArray) inner.onesLike(), false, false);
            return u.getGradient().duplicate();
        }
    }
}
