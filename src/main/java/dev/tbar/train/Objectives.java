package dev.tbar.train;

import ai.djl.ndarray.NDArray;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import dev.tbar.util.NDArrays;
import java.util.Map;

/** Ready-made objectives. */
public final class Objectives {
    private Objectives() {}

    /** Mean softmax cross-entropy of the model's logits against int64 labels. */
    public static Objective crossEntropy(ImageClassifier model) {
        return (weights, pixels, labels, training) ->
                crossEntropy(model.forward(weights, pixels, training), labels).mean();
    }

    /**
     * {@code T * CE(logits / T)}: cross-entropy at softmax temperature T, scaled so that its gradient with respect to
     * the logits is {@code softmax(logits / T) - onehot}. Above T = 1 the softmax saturates later, so images the model
     * already classifies confidently keep contributing; T = 1 is {@link #crossEntropy}.
     */
    public static Objective temperedCrossEntropy(ImageClassifier model, double temperature) {
        if (!(temperature >= 1) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and >= 1, got " + temperature);
        }
        if (temperature == 1) {
            return crossEntropy(model);
        }
        return (weights, pixels, labels, training) -> {
            NDArray logits = model.forward(weights, pixels, training);
            NDArray scaled = logits.div(NDArrays.scalar(logits, (float) temperature));
            return crossEntropy(scaled, labels).mean().mul(NDArrays.scalar(logits, (float) temperature));
        };
    }

    /** Softmax cross-entropy of each row of {@code logits} (N, classes) against int64 labels (N): shape (N). */
    public static NDArray crossEntropy(NDArray logits, NDArray labels) {
        return logits.logSoftmax(1).gather(labels.reshape(-1, 1), 1).squeeze(1).neg();
    }

    /**
     * Cross-entropy against smoothed labels: 1 - s on the true class, s / (K - 1) on each other class (the form
     * FT-SAM trains with); s = 0 is {@link #crossEntropy}.
     */
    public static Objective smoothedCrossEntropy(ImageClassifier model, double s) {
        if (!(s >= 0 && s < 1)) {
            throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + s);
        }
        if (s == 0) {
            return crossEntropy(model);
        }
        return (weights, pixels, labels, training) -> {
            NDArray logp = model.forward(weights, pixels, training).logSoftmax(1);
            float other = (float) (s / (model.numClasses() - 1));
            NDArray onTrue = logp.gather(labels.reshape(-1, 1), 1).squeeze(1);
            NDArray all = logp.sum(new int[] {1});
            // sum_k t_k log p_k with t = other everywhere plus (1 - s - other) more on the true class
            NDArray per = onTrue.mul(NDArrays.scalar(logp, (float) (1 - s) - other))
                    .add(all.mul(NDArrays.scalar(logp, other)));
            return per.mean().neg();
        };
    }

    /**
     * {@code base + lambda * ((theta - theta0) . d)^2}: penalises movement along direction {@code d} (one tensor per
     * named parameter; parameters it does not name are free). An adaptive attacker uses it to keep a backdoor off the
     * pure trigger direction. {@code theta0} and {@code d} must stay open while the objective is used; lambda = 0
     * returns {@code base} itself.
     */
    public static Objective directionPenalty(Objective base, StateDict theta0, Map<String, NDArray> d, double lambda) {
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("penalty weight must be finite and >= 0, got " + lambda);
        }
        if (lambda == 0) {
            return base;
        }
        return (weights, pixels, labels, training) -> {
            NDArray projection = null;
            for (Map.Entry<String, NDArray> e : d.entrySet()) {
                // weights first: in the loop they are lent to the step's manager, so temporaries die with the step
                NDArray t = weights.get(e.getKey()).sub(theta0.get(e.getKey())).mul(e.getValue()).sum();
                projection = projection == null ? t : projection.add(t);
            }
            NDArray loss = base.loss(weights, pixels, labels, training);
            return projection == null ? loss : loss.add(projection.square().mul(NDArrays.scalar(loss, (float) lambda)));
        };
    }
}
