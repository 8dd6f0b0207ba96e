package dev.tbar.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.tbar.model.Layers;
import dev.tbar.model.StateDict;
import dev.tbar.util.NDArrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Adaptive sharpness-aware minimisation (ASAM, Kwon et al. 2021), the form FT-SAM uses: each step first climbs to the
 * worst weights within an element-wise scaled ball, e = rho * w^2 * g / ||w * g|| (one norm over all parameters), then
 * minimises the base loss there; the optimizer applies that gradient at the unperturbed weights. The second pass runs
 * with BatchNorm momentum 0, so the perturbed weights never move the running statistics.
 */
public final class SharpnessAware implements Objective {
    private final Objective base;
    private final double rho;

    public SharpnessAware(Objective base, double rho) {
        if (!(rho > 0) || Double.isInfinite(rho)) {
            throw new IllegalArgumentException("SAM radius must be finite and > 0, got " + rho);
        }
        this.base = base;
        this.rho = rho;
    }

    @Override
    public NDArray loss(StateDict weights, NDArray pixels, NDArray labels, boolean training) {
        return base.loss(weights, pixels, labels, training);
    }

    @Override
    public Objective inner(StateDict weights, NDArray pixels, NDArray labels, boolean training) {
        NDManager step = pixels.getManager();
        List<String> names = List.copyOf(weights.parameterNames());
        NDArray[] g = Gradients.ofWeights(weights, names, step, at -> base.loss(at, pixels, labels, training));
        NDArray sq = null;
        for (int i = 0; i < g.length; i++) {
            NDArray s = weights.get(names.get(i)).stopGradient().abs().mul(g[i]).square().sum();
            sq = sq == null ? s : sq.add(s);
        }
        double norm = sq == null ? 0 : Math.sqrt(sq.getFloat());
        Map<String, NDArray> shift = new LinkedHashMap<>();
        for (int i = 0; i < g.length; i++) {
            NDArray w = weights.get(names.get(i)).stopGradient();
            shift.put(names.get(i), w.square().mul(g[i]).mul(NDArrays.scalar(w, (float) (rho / (norm + 1e-12)))));
        }
        return (w, px, y, tr) -> {
            Map<String, NDArray> perturbed = new LinkedHashMap<>();
            shift.forEach((n, e) -> perturbed.put(n, w.get(n).add(e)));
            StateDict worst = w.overlay(px.getManager(), perturbed);
            return Layers.withBatchNormMomentum(0f, () -> base.loss(worst, px, y, tr));
        };
    }
}
