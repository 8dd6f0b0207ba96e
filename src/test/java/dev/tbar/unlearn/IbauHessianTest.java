package dev.tbar.unlearn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.tbar.data.Batches;
import dev.tbar.invert.TinyBackdoor;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;

/**
 * i-BAU's Hessian-vector product (central difference of input gradients) against an independent estimate from the
 * loss alone: v.Hv is the second difference (L(d + hv) - 2 L(d) + L(d - hv)) / h^2, computed in float64.
 */
class IbauHessianTest {
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(longs = {1, 2, 3})
    void hessianTimesAgreesWithTheSecondDifferenceOfTheLoss(long seed) {
        ImageClassifier model = TinyBackdoor.model();
        try (NDManager m = NDManager.newBaseManager();
                StateDict w = TinyBackdoor.train(model, m, TinyBackdoor.data(200, 1), true)) {
            var data = TinyBackdoor.data(32, 5);
            NDArray x = Batches.pixels(m, data, 0, 32);
            int[] labels = new int[32];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = data.label(i);
            }
            NDArray y = Batches.labels(m, labels);
            Shape shape = new Shape(1, 3, TinyBackdoor.SIZE, TinyBackdoor.SIZE);
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
            NDArray at = dev.tbar.model.Init.normal(m, shape, 0.05, rnd);
            NDArray v = dev.tbar.model.Init.normal(m, shape, 1, rnd);
            double vHv = v.mul(IbauObjective.hessianTimes(model, w, x, y, at, v)).sum().getFloat();
            double h = 0.01 / Math.sqrt(v.square().sum().getFloat()); // the step hessianTimes takes
            double second = (loss64(model, w, x, y, at, v, h) - 2 * loss64(model, w, x, y, at, v, 0)
                    + loss64(model, w, x, y, at, v, -h)) / (h * h);
            System.out.printf("seed %d: v.Hv %.6f by gradients, %.6f by the loss%n", seed, vHv, second);
            assertEquals(second, vHv, 0.05 * Math.abs(second) + 1e-3, "v.Hv by gradients vs by the loss");
        }
    }

    /** Mean cross-entropy at x + at + s v, in float64 arithmetic. */
    private static double loss64(ImageClassifier model, StateDict w, NDArray x, NDArray y, NDArray at, NDArray v,
            double s) {
        NDArray shifted = at.toType(DataType.FLOAT64, true).add(v.toType(DataType.FLOAT64, true)
                .mul(dev.tbar.util.NDArrays.scalar(v.toType(DataType.FLOAT64, true), (float) s)));
        try (StateDict w64 = new StateDict(x.getManager())) {
            w.asMap().forEach((k, a) -> w64.put(k, a.toType(DataType.FLOAT64, true), w.isBuffer(k)));
            NDArray logits = model.forward(w64, x.toType(DataType.FLOAT64, true).add(shifted), false);
            return dev.tbar.train.Objectives.crossEntropy(logits, y).mean().getDouble();
        }
    }
}
