package dev.tbar.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.tbar.data.Batches;
import dev.tbar.data.Image;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DirectionPenaltyTest {
    static final ImageClassifier MODEL = TestModels.linear(3, 4, 2);
    static final ImageDataset DATA = TestModels.halves(8, 4, 1);

    static float[] gaussian(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    @Test
    void thePenaltyIsLambdaTimesTheSquaredProjection() {
        double lambda = 0.7;
        try (NDManager m = NDManager.newBaseManager(); StateDict theta0 = MODEL.initialize(m, 1)) {
            NDArray w0 = theta0.get("fc.weight");
            float[] offset = gaussian((int) w0.size(), 2);
            float[] dir = gaussian((int) w0.size(), 3);
            double dd = 0;
            for (float x : dir) {
                dd += x * (double) x;
            }
            double proj = 0;
            for (int i = 0; i < dir.length; i++) {
                dir[i] /= (float) Math.sqrt(dd);
                proj += offset[i] * (double) dir[i];
            }
            NDArray d = m.create(dir, w0.getShape());
            Objective ce = Objectives.crossEntropy(MODEL);
            Objective pen = Objectives.directionPenalty(ce, theta0, Map.of("fc.weight", d), lambda); // bias free
            try (StateDict theta = theta0.copy()) {
                theta.putParameter("fc.weight", theta.get("fc.weight").add(m.create(offset, w0.getShape())));
                NDArray x = pixels(m);
                NDArray y = labels(m);
                double[] base = lossAndGrads(ce, theta, x, y);
                double[] penalised = lossAndGrads(pen, theta, x, y);
                double expected = lambda * proj * proj;
                assertEquals(expected, penalised[0] - base[0], 1e-5 * Math.max(1, expected));
                // gradient: 2 lambda (delta . d) d on fc.weight, nothing on the bias (last two entries)
                for (int i = 0; i < dir.length; i++) {
                    assertEquals(2 * lambda * proj * dir[i], penalised[1 + i] - base[1 + i], 1e-5, "weight " + i);
                }
                for (int i = 1 + dir.length; i < base.length; i++) {
                    assertEquals(base[i], penalised[i], 1e-6, "bias");
                }
            }
        }
    }

    @Test
    void lambdaZeroIsThePlainObjective() {
        Objective ce = Objectives.crossEntropy(MODEL);
        TrainConfig cfg = TrainConfig.defaults().with(Map.of("lr", 0.1, "epochs", 2, "batch_size", 4, "seed", 3));
        try (NDManager m = NDManager.newBaseManager(); StateDict theta0 = MODEL.initialize(m, 1);
                StateDict a = theta0.copy(); StateDict b = theta0.copy()) {
            NDArray d = m.ones(theta0.get("fc.weight").getShape());
            Objective off = Objectives.directionPenalty(ce, theta0, Map.of("fc.weight", d), 0);
            assertSame(ce, off);
            Trainer.train(ce, a, DATA, null, cfg, null, null);
            Trainer.train(off, b, DATA, null, cfg, null, null);
            for (String name : a.names()) {
                assertArrayEquals(a.get(name).toFloatArray(), b.get(name).toFloatArray(), 0f, name);
            }
        }
    }

    static NDArray pixels(NDManager m) {
        Image[] batch = new Image[DATA.size()];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = DATA.image(i);
        }
        return Batches.pixels(m, batch);
    }

    static NDArray labels(NDManager m) {
        int[] y = new int[DATA.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = DATA.label(i);
        }
        return Batches.labels(m, y);
    }

    /** {loss, gradient entries of every parameter in order}. */
    static double[] lossAndGrads(Objective o, StateDict weights, NDArray x, NDArray y) {
        try (StateDict w = weights.copy()) {
            for (String name : w.parameterNames()) {
                w.get(name).setRequiresGradient(true);
            }
            double loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray l = o.loss(w, x, y, true);
                loss = l.getFloat();
                gc.backward(l);
            }
            java.util.List<Double> out = new java.util.ArrayList<>();
            out.add(loss);
            for (String name : w.parameterNames()) {
                for (float g : w.get(name).getGradient().toFloatArray()) {
                    out.add((double) g);
                }
            }
            return out.stream().mapToDouble(Double::doubleValue).toArray();
        }
    }
}
