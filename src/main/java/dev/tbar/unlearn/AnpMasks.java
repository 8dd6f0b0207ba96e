package dev.tbar.unlearn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.tbar.TbarException;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.Init;
import dev.tbar.model.StateDict;
import dev.tbar.train.Gradients;
import dev.tbar.train.Objective;
import dev.tbar.train.Objectives;
import dev.tbar.train.TrainResult;
import dev.tbar.util.NDArrays;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * ANP's inner problem on the shared training loop: the trained "weights" are one mask per BatchNorm layer (init 1).
 * Each step draws noise delta, xi uniform in [-eps, eps] per channel, takes signed ascent steps on it ({@link
 * Objective#inner}), then lowers alpha * CE(natural) + (1 - alpha) * CE(perturbed), where a layer's scale is
 * gamma * (m + delta) and its shift beta * (1 + xi) under perturbation, gamma * m and beta without; masks are
 * clamped to [0, 1] after each step. As in the authors' code the noise is not projected after its ascent step, and
 * BatchNorm runs in training mode (on a copy of theta_bd, whose running statistics therefore drift and are thrown
 * away).
 */
final class AnpMasks implements Objective {
    private final StateDict work;
    private final List<String> layers;
    private final Anp.Config config;
    private final Objective ce;
    private final SplittableRandom rnd;

    private AnpMasks(ImageClassifier model, StateDict work, List<String> layers, Anp.Config config, long seed) {
        this.work = work;
        this.layers = layers;
        this.config = config;
        this.ce = Objectives.crossEntropy(model);
        this.rnd = new SplittableRandom(seed + 17);
    }

    /** The learned mask of every BatchNorm layer, by layer prefix. */
    static Map<String, float[]> optimise(DefenseContext ctx, ImageDataset data, Anp.Config config,
            TrainResult[] fit) {
        List<String> layers = batchNormLayers(ctx.backdoored());
        if (layers.isEmpty()) {
            throw new TbarException("defense 'anp' prunes BatchNorm channels; model '" + ctx.model().name()
                    + "' has no BatchNorm layer");
        }
        try (StateDict work = ctx.backdoored().copy()) {
            StateDict masks = new StateDict(ctx.backdoored().manager().getParentManager());
            for (String bn : layers) {
                masks.putParameter(bn, work.manager().ones(work.get(bn + ".weight").getShape()));
            }
            // the context only lends its seed and augmentation: the masks are trained, theta_bd is not touched
            AnpMasks objective = new AnpMasks(ctx.model(), work, layers, config, ctx.seed());
            try (StateDict trained = ctx.finetune(masks, data, config.train(), objective, "anp masks", fit)) {
                Map<String, float[]> out = new LinkedHashMap<>();
                for (String bn : layers) {
                    out.put(bn, trained.get(bn).toFloatArray());
                }
                return out;
            }
        }
    }

    /** Prefixes of the layers with BatchNorm statistics and an affine scale and shift. */
    static List<String> batchNormLayers(StateDict w) {
        List<String> out = new ArrayList<>();
        for (String name : w.names()) {
            if (name.endsWith(".running_mean")) {
                String p = name.substring(0, name.length() - ".running_mean".length());
                if (w.contains(p + ".weight") && w.contains(p + ".bias")) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    @Override
    public NDArray loss(StateDict masks, NDArray pixels, NDArray labels, boolean training) {
        return ce.loss(view(masks, pixels.getManager(), null, null), pixels, labels, training);
    }

    @Override
    public Objective inner(StateDict masks, NDArray pixels, NDArray labels, boolean training) {
        NDManager step = pixels.getManager();
        // what is computed from the copy's arrays dies with the step
        step.tempAttachAll(work.asMap().values().toArray(new NDArray[0]));
        Map<String, NDArray> delta = new LinkedHashMap<>();
        Map<String, NDArray> xi = new LinkedHashMap<>();
        for (String bn : layers) {
            delta.put(bn, Init.uniform(step, masks.get(bn).getShape(), config.eps(), rnd));
            xi.put(bn, Init.uniform(step, masks.get(bn).getShape(), config.eps(), rnd));
        }
        if (config.eps() > 0) {
            StateDict fixed = masks.detached(step);
            float size = (float) (config.eps() / config.noiseSteps());
            for (int s = 0; s < config.noiseSteps(); s++) {
                Map<String, NDArray> d = leaves(delta);
                Map<String, NDArray> x = leaves(xi);
                List<NDArray> all = new ArrayList<>(d.values());
                all.addAll(x.values());
                NDArray[] g = Gradients.of(() -> ce.loss(view(fixed, step, d, x), pixels, labels, training),
                        all.toArray(NDArray[]::new));
                for (int i = 0; i < layers.size(); i++) {
                    String bn = layers.get(i);
                    delta.put(bn, ascend(delta.get(bn), g[i], size));
                    xi.put(bn, ascend(xi.get(bn), g[i + layers.size()], size));
                }
            }
        }
        float alpha = (float) config.alpha();
        return (m, px, y, tr) -> {
            NDArray natural = ce.loss(view(m, px.getManager(), null, null), px, y, tr);
            NDArray robust = ce.loss(view(m, px.getManager(), delta, xi), px, y, tr);
            return natural.mul(NDArrays.scalar(natural, alpha)).add(robust.mul(NDArrays.scalar(robust, 1 - alpha)));
        };
    }

    @Override
    public void project(StateDict masks) {
        for (String bn : layers) {
            NDArray m = masks.get(bn);
            m.subi(m.sub(m.clip(0f, 1f))); // in place, so the mask stays the optimizer's leaf
        }
    }

    /** theta_bd's copy with each layer's scale gamma * (m + delta) and, with noise, shift beta * (1 + xi). */
    private StateDict view(StateDict masks, NDManager step, Map<String, NDArray> delta, Map<String, NDArray> xi) {
        Map<String, NDArray> r = new LinkedHashMap<>();
        for (String bn : layers) {
            NDArray m = masks.get(bn);
            NDArray scale = delta == null ? m : m.add(delta.get(bn));
            r.put(bn + ".weight", scale.mul(work.get(bn + ".weight")));
            if (xi != null) {
                NDArray x = xi.get(bn);
                r.put(bn + ".bias", x.add(NDArrays.scalar(x, 1f)).mul(work.get(bn + ".bias")));
            }
        }
        return work.overlay(step, r);
    }

    private static Map<String, NDArray> leaves(Map<String, NDArray> noise) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        noise.forEach((k, v) -> out.put(k, Gradients.leaf(v)));
        return out;
    }

    private static NDArray ascend(NDArray noise, NDArray grad, float size) {
        return noise.add(grad.sign().mul(NDArrays.scalar(grad, size)));
    }
}
