package dev.tbar.unlearn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.tbar.data.Batches;
import dev.tbar.data.Image;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import dev.tbar.train.Gradients;
import dev.tbar.train.Objective;
import dev.tbar.train.Objectives;
import dev.tbar.train.Shuffle;
import dev.tbar.util.NDArrays;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * i-BAU's rounds on the shared training loop. At the first step of each round {@link #inner} searches delta; at every
 * step it computes v, K Neumann terms of the implicit system, v <- (1 - a*2r) v + a * H v + g_delta, where g_delta is
 * the outer loss's gradient in delta, H the Hessian in delta of CE0 (the cross-entropy on batch 0 with delta), a the
 * fixed-point step and r the regularisation. The loss is then the outer loss plus a * (CE0(delta + e v) -
 * CE0(delta - e v)) / 2e, whose gradient in the weights is the implicit hypergradient g_theta + a * d/dtheta
 * &lt;grad_delta CE0, v&gt;. Products with H are central differences of input gradients.
 */
final class IbauObjective implements Objective, AutoCloseable {
    /** Length of the finite-difference step along v, in pixels. */
    private static final double DIFFERENCE = 1e-2;

    private final ImageClassifier model;
    private final Objective ce;
    private final ImageDataset data;
    private final Ibau.Config config;
    private final NDManager own;
    private final long seed;
    private final SplittableRandom rnd;
    private final List<Double> norms = new ArrayList<>();
    private NDArray delta;
    private NDArray x0;
    private NDArray y0;
    private long step;
    private int round = -1;

    IbauObjective(ImageClassifier model, ImageDataset data, Ibau.Config config, NDManager parent, long seed) {
        this.model = model;
        this.ce = Objectives.crossEntropy(model);
        this.data = data;
        this.config = config;
        this.own = parent.newSubManager();
        this.seed = seed;
        this.rnd = new SplittableRandom(seed + 23);
    }

    /** |delta| of each round's perturbation. */
    List<Double> perturbationNorms() {
        return norms;
    }

    @Override
    public NDArray loss(StateDict weights, NDArray pixels, NDArray labels, boolean training) {
        return ce.loss(weights, pixels, labels, training);
    }

    @Override
    public Objective inner(StateDict weights, NDArray x, NDArray y, boolean training) {
        NDManager stepManager = x.getManager();
        StateDict f = weights.detached(stepManager);
        long perRound = config.train().stepsPerEpoch(data.size());
        if (step++ % perRound == 0) {
            search(f, ++round);
        }
        if (x0 == null) { // batch 0 of the fixed-point map, kept for the whole run
            x0 = x.duplicate();
            y0 = y.duplicate();
            x0.attach(own);
            y0.attach(own);
        }
        stepManager.tempAttachAll(delta, x0, y0); // what is computed from them dies with the step
        NDArray rows = rowMask(x);
        NDArray d = Gradients.leaf(delta);
        NDArray gDelta = Gradients.of(() -> loss(f, x.add(rows.mul(d)), y, false), d)[0];
        float a = (float) config.fixedPointLr();
        float keep = (float) (1 - 2 * a * config.regularisation());
        NDArray v = gDelta;
        for (int k = 1; k < config.fixedPointSteps(); k++) {
            NDArray hv = hessianTimes(model, f, x0, y0, delta, v);
            v = v.mul(NDArrays.scalar(v, keep)).add(hv.mul(NDArrays.scalar(hv, a))).add(gDelta);
        }
        double vNorm = Math.sqrt(v.square().sum().getFloat());
        if (vNorm == 0) {
            return (w, px, labels, tr) -> loss(w, px.add(rows.mul(delta)), labels, tr);
        }
        float e = (float) (DIFFERENCE / vNorm);
        NDArray plus = delta.add(v.mul(NDArrays.scalar(v, e)));
        NDArray minus = delta.sub(v.mul(NDArrays.scalar(v, e)));
        float weight = a / (2 * e);
        return (w, px, labels, tr) -> {
            NDArray outer = loss(w, px.add(rows.mul(delta)), labels, tr);
            NDArray implicit = loss(w, x0.add(plus), y0, tr).sub(loss(w, x0.add(minus), y0, tr));
            return outer.add(implicit.mul(NDArrays.scalar(implicit, weight)));
        };
    }

    /**
     * H v for the Hessian in {@code at} of the mean cross-entropy of {@code f} on {@code x} + at (at shared by the
     * batch), by a central difference of input gradients along v.
     */
    static NDArray hessianTimes(ImageClassifier model, StateDict f, NDArray x, NDArray y, NDArray at, NDArray v) {
        double norm = Math.sqrt(v.square().sum().getFloat());
        if (norm == 0) {
            return v.zerosLike();
        }
        float e = (float) (DIFFERENCE / norm);
        NDArray step = v.mul(NDArrays.scalar(v, e));
        NDArray up = inputGradient(model, f, x, y, at.add(step));
        NDArray down = inputGradient(model, f, x, y, at.sub(step));
        return up.sub(down).div(NDArrays.scalar(up, 2 * e));
    }

    /** The gradient in {@code at} (shared by the batch) of the mean cross-entropy of {@code f} on x + at. */
    static NDArray inputGradient(ImageClassifier model, StateDict f, NDArray x, NDArray y, NDArray at) {
        NDArray d = Gradients.leaf(at);
        return Gradients.of(() -> Objectives.crossEntropy(model.forward(f, x.add(d), false), y).mean(), d)[0];
    }

    /** A fresh delta from 0: one shuffled pass over the images, SGD on -CE(own predictions) + r |delta|^2. */
    private void search(StateDict f, int round) {
        Image first = data.image(0);
        NDArray d = own.zeros(new Shape(1, first.channels(), first.height(), first.width()), DataType.FLOAT32);
        int[] order = Shuffle.epochOrder(seed + 29, round, data.size());
        int batch = config.train().batchSize();
        for (int from = 0; from < order.length; from += batch) {
            try (NDManager b = own.newSubManager()) {
                Image[] images = new Image[Math.min(batch, order.length - from)];
                for (int i = 0; i < images.length; i++) {
                    images[i] = data.image(order[from + i]);
                }
                NDArray x = Batches.pixels(b, images);
                b.tempAttachAll(d);
                NDArray own0 = model.forward(f, x, false).argMax(1);
                NDArray leaf = Gradients.leaf(d);
                NDArray g = Gradients.of(() -> loss(f, x.add(leaf), own0, false).neg()
                        .add(leaf.square().sum().mul(NDArrays.scalar(x, (float) config.regularisation()))), leaf)[0];
                NDArray next = d.sub(g.mul(NDArrays.scalar(g, (float) config.searchLr())));
                next.attach(own);
                d.close();
                d = next;
            }
        }
        if (delta != null) {
            delta.close();
        }
        delta = d;
        norms.add(Math.sqrt(delta.square().sum().getFloat()));
    }

    /** (B, 1, 1, 1) with 1 on max(1, floor(fraction * B)) random rows: the images that carry delta this step. */
    private NDArray rowMask(NDArray x) {
        int b = (int) x.getShape().get(0);
        int k = Math.max(1, (int) Math.floor(config.perturbedFraction() * b));
        int[] idx = java.util.stream.IntStream.range(0, b).toArray();
        float[] m = new float[b];
        for (int i = 0; i < k; i++) { // a partial Fisher-Yates shuffle: k distinct rows
            int j = i + rnd.nextInt(b - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
            m[idx[i]] = 1f;
        }
        return NDArrays.owned(x.getManager().create(m, new Shape(b, 1, 1, 1)));
    }

    @Override
    public void close() {
        own.close();
    }
}
