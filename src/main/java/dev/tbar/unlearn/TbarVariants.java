package dev.tbar.unlearn;

import dev.tbar.data.ImageDataset;
import dev.tbar.model.StateDict;
import dev.tbar.taskvector.TaskVector;
import dev.tbar.train.Objective;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two refinements of the trigger vector that keep the subtraction cheap, for when plain TBAR must give up too much
 * clean accuracy: remove from tau what it shares with the clean task, and let each layer group have its own alpha.
 * Both decide with validation data only.
 */
final class TbarVariants {
    private static final Logger LOG = LoggerFactory.getLogger(TbarVariants.class);
    /** Multiples of the global alpha tried per layer group, ascending (see perLayerAlpha). */
    static final double[] LAYER_FACTORS = {0, 0.5, 1.5, 2};

    private TbarVariants() {}

    /** The projected tau (owned: close it) and how it was made. */
    record Projected(TaskVector tau, Tbar.Projection projection) implements AutoCloseable {
        @Override
        public void close() {
            tau.close();
        }
    }

    /** tau with the per-layer factors folded in (owned: close it), the refinement, its validation point. */
    record Layered(TaskVector tau, Tbar.LayerAlpha layers, AlphaPoint validation) implements AutoCloseable {
        @Override
        public void close() {
            tau.close();
        }
    }

    /**
     * tau minus its projection on the clean direction tau_c (theta_bd fine-tuned on the same images without trigger,
     * true labels): what fine-tuning learns about the images themselves is not subtracted with the trigger.
     * {@code objective} is the one the trigger fine-tuning used (the model or its linearization).
     */
    static Projected projectOutClean(DefenseContext ctx, TaskVector tau, ImageDataset cleanImages, TrainConfig ft,
            Objective objective) {
        TrainResult[] fit = new TrainResult[1];
        try (StateDict thetaC = ctx.finetuneCopy(cleanImages, ft, objective, "tbar clean direction", fit);
                TaskVector tauC = TaskVector.between(ctx.backdoored(), thetaC)) {
            double cc = tauC.dot(tauC);
            double coef = cc == 0 ? 0 : tau.dot(tauC) / cc;
            LOG.info("TBAR: cosine(tau, tau_clean) = {}, removing {} x tau_clean", tau.cosine(tauC), coef);
            try (TaskVector along = tauC.scale(coef)) {
                return new Projected(tau.subtract(along), new Tbar.Projection(tau.cosine(tauC), coef, fit[0]));
            }
        }
    }

    /** Layer group of a parameter: its first name component (conv1, layer2, linear, vision_model, ...). */
    static String group(String name) {
        int dot = name.indexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }

    /** factor_g * tau on every tensor of layer group g; groups not in {@code factors} keep factor 1. */
    static TaskVector scaled(TaskVector tau, Map<String, Double> factors) {
        return tau.scale(name -> factors.getOrDefault(group(name), 1.0));
    }

    /**
     * One pass of coordinate descent from the global alpha: for each layer group in turn, try {@link #LAYER_FACTORS}
     * times alpha for that group and keep a change when validation ASR drops with validation CA above the floor; once a
     * factor above 1 breaks the floor, the group's larger ones are not tried.
     * Returns tau with the chosen per-group factors folded in (subtract it with the global alpha).
     */
    static Layered perLayerAlpha(DefenseContext ctx, TaskVector tau, double alpha, AlphaPoint start,
            double caFloor, BatchNormRecalibration recalibration) {
        Map<String, Double> factors = new LinkedHashMap<>();
        AlphaPoint best = start;
        List<Tbar.LayerTrial> trials = new ArrayList<>();
        TreeSet<String> groups = new TreeSet<>(tau.names().stream().map(TbarVariants::group).toList());
        int total = groups.size() * LAYER_FACTORS.length;
        long began = System.nanoTime();
        for (String g : groups) {
            for (double f : LAYER_FACTORS) {
                Map<String, Double> trial = new LinkedHashMap<>(factors);
                trial.put(g, f);
                AlphaPoint p;
                try (TaskVector t = scaled(tau, trial); StateDict w = Tbar.subtract(ctx, t, alpha, recalibration)) {
                    p = ctx.validate(alpha, w);
                }
                trials.add(new Tbar.LayerTrial(g, f, p));
                double eta = (System.nanoTime() - began) / 1e9 / trials.size() * (total - trials.size());
                LOG.info(String.format(java.util.Locale.ROOT, "  per-layer alpha %d/<=%d: %s x %.1f  val CA %.2f%%  val"
                        + " ASR %.2f%%  ETA <=%.0fs", trials.size(), total, g, f, 100 * p.ca(), 100 * p.asr(), eta));
                if (p.ca() >= caFloor && (p.asr() < best.asr() || p.asr() == best.asr() && p.ca() > best.ca())) {
                    best = p;
                    factors.put(g, f);
                } else if (f > 1 && p.ca() < caFloor) {
                    break; // more of tau in this group costs more CA: the larger factors would fail the floor too
                }
            }
        }
        LOG.info("TBAR per-layer alpha factors {}: validation CA {} ASR {}", factors, best.ca(), best.asr());
        return new Layered(scaled(tau, factors), new Tbar.LayerAlpha(factors, trials), best);
    }
}
