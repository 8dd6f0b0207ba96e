package dev.tbar.unlearn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import dev.tbar.train.Gradients;
import dev.tbar.train.Objective;
import dev.tbar.train.Objectives;

/**
 * SAU's step on the shared training loop. {@link #inner}: per-image PGD from +eps for perturbations on which the
 * current model f and theta_bd f0 are both fooled into the same label (success = a prediction that changed), lowering
 * beta1 * L_adv + beta2 * L_js where L_adv is minus the cross-entropy of the not-yet-fooled images of each model (over
 * 2B) and L_js the Jensen-Shannon divergence of the two models on the images not yet shared (over B); it stops once
 * every image is shared. The loss: lambdaClean * CE(f(x)) + lambdaAdversarial * CE(f(x + delta)) + lambdaShared *
 * mean over the batch of -log(1 - p_f(t | x + delta)) on the images whose perturbation fools f0 (into t, away from both
 * the true label and f0's clean prediction).
 */
final class SauObjective implements Objective {
    private static final float TINY = 1e-8f;

    private final ImageClassifier model;
    private final Objective ce;
    private final StateDict reference;
    private final Sau.Config config;
    private long images;
    private long fooled;

    SauObjective(ImageClassifier model, StateDict reference, Sau.Config config) {
        this.model = model;
        this.ce = Objectives.crossEntropy(model);
        this.reference = reference;
        this.config = config;
    }

    /** Share of images whose final perturbation fools theta_bd (those the shared loss acts on), over the run. */
    double fooledFraction() {
        return images == 0 ? 0 : fooled / (double) images;
    }

    @Override
    public NDArray loss(StateDict weights, NDArray pixels, NDArray labels, boolean training) {
        return ce.loss(weights, pixels, labels, training);
    }

    @Override
    public Objective inner(StateDict weights, NDArray x, NDArray y, boolean training) {
        NDManager step = x.getManager();
        step.tempAttachAll(reference.asMap().values().toArray(new NDArray[0])); // temporaries die with the step
        StateDict f = weights.detached(step);
        NDArray clean = argmax(model.forward(f, x, false));
        NDArray clean0 = argmax(model.forward(reference, x, false));
        float eps = (float) config.eps();
        NDArray delta = x.zerosLike().add(scalar(x, eps));
        long batch = x.getShape().get(0);
        boolean[] allShared = new boolean[1];
        for (int s = 0; s < config.pgdSteps() && !allShared[0]; s++) {
            NDArray d = Gradients.leaf(delta);
            NDArray g = Gradients.of(() -> {
                NDArray xa = x.add(d);
                NDArray z = model.forward(f, xa, false);
                NDArray z0 = model.forward(reference, xa, false);
                NDArray p = argmax(z);
                NDArray p0 = argmax(z0);
                NDArray fooled = p.neq(clean);
                NDArray fooled0 = p0.neq(clean0);
                NDArray sharedNow = fooled.logicalAnd(fooled0).logicalAnd(p.eq(p0));
                allShared[0] = sharedNow.all().getBoolean();
                NDArray adv = Objectives.crossEntropy(z, y).mul(asFloat(fooled.logicalNot()))
                        .add(Objectives.crossEntropy(z0, y).mul(asFloat(fooled0.logicalNot()))).sum()
                        .div(scalar(z, 2f * batch)).neg();
                NDArray js = jensenShannon(z, z0).mul(asFloat(sharedNow.logicalNot())).sum().div(scalar(z, batch));
                return adv.mul(scalar(adv, (float) config.beta1())).add(js.mul(scalar(js, (float) config.beta2())));
            }, d)[0];
            delta = delta.sub(g.sign().mul(scalar(g, (float) config.stepSize()))).clip(-eps, eps);
        }
        NDArray xa = x.add(delta);
        NDArray target0 = argmax(model.forward(reference, xa, false));
        NDArray fools0 = asFloat(target0.neq(y).logicalAnd(target0.neq(clean0)));
        images += batch;
        fooled += (long) fools0.sum().getFloat();
        return (w, px, labels, tr) -> {
            NDArray both = model.forward(w, NDArrays.concat(new NDList(px, xa), 0), tr);
            NDArray z = both.get("0:" + batch);
            NDArray za = both.get(batch + ":");
            NDArray loss = Objectives.crossEntropy(z, labels).mean().mul(scalar(z, (float) config.lambdaClean()));
            if (config.lambdaAdversarial() > 0) {
                NDArray adversarial = Objectives.crossEntropy(za, labels).mean();
                loss = loss.add(adversarial.mul(scalar(z, (float) config.lambdaAdversarial())));
            }
            NDArray q = za.softmax(1).gather(target0.reshape(-1, 1), 1).squeeze(1);
            NDArray away = scalar(q, 1f).sub(q).clip(0f, 0.999f).add(scalar(q, 1e-6f)).log()
                    .add(scalar(q, 1f + 1e-6f).sub(q.clip(0.001f, 1f)).log()).neg().div(scalar(q, 2f));
            NDArray sar = away.mul(fools0).sum().div(scalar(q, batch));
            return loss.add(sar.mul(scalar(sar, (float) config.lambdaShared())));
        };
    }

    /** Per-image Jensen-Shannon divergence of the two softmax distributions, probabilities clamped at 1e-8. */
    static NDArray jensenShannon(NDArray za, NDArray zb) {
        NDArray p = za.softmax(1).clip(TINY, 1f);
        NDArray q = zb.softmax(1).clip(TINY, 1f);
        NDArray m = p.add(q).div(scalar(p, 2f));
        NDArray self = p.mul(p.log()).add(q.mul(q.log()));
        NDArray cross = p.add(q).mul(m.log());
        return self.sub(cross).sum(new int[] {1}).div(scalar(p, 2f));
    }

    private static NDArray argmax(NDArray logits) {
        return logits.argMax(1);
    }

    private static NDArray asFloat(NDArray mask) {
        return mask.toType(DataType.FLOAT32, false);
    }

    private static NDArray scalar(NDArray like, float v) {
        return dev.tbar.util.NDArrays.scalar(like, v);
    }
}
