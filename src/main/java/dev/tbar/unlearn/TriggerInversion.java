package dev.tbar.unlearn;

import dev.tbar.attack.InvertedTrigger;
import dev.tbar.attack.Poisoning;
import dev.tbar.data.ImageDataset;
import dev.tbar.eval.Evaluator;
import dev.tbar.invert.NeuralCleanse;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.WeakHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Neural Cleanse on the defender's clean images, for the defenses that unlearn an unknown trigger, done once per
 * backdoored model: results are cached by the weights' identity (a run never changes theta_bd in place), the
 * settings, the seed and the data, so {@code tbar-inverted} and {@code nc-unlearn} in one run share one inversion.
 */
final class TriggerInversion {
    private static final Logger LOG = LoggerFactory.getLogger(TriggerInversion.class);

    /**
     * @param candidate NC's flagged class, or the smallest-norm class when none is flagged
     * @param target the class the backdoored model gives most triggered images (the confirmed target)
     * @param majorityShare the share of triggered images predicted as {@code target}
     */
    record Outcome(NeuralCleanse.Result scan, int candidate, int target, double majorityShare,
            InvertedTrigger trigger, int imagesUsed, double seconds) {
        /** What a report needs to judge the detection; {@code trueTarget} is the experiment's, unknown to NC. */
        Map<String, Object> details(int trueTarget) {
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("flagged", scan.flagged());
            d.put("anomaly_index", scan.smallestAnomalyIndex());
            d.put("candidate", candidate);
            d.put("detected_target", target);
            d.put("majority_share", majorityShare);
            d.put("true_target", trueTarget);
            d.put("detection_correct", target == trueTarget);
            d.put("mask_l1", scan.of(candidate).maskL1());
            d.put("inverted_success", scan.of(candidate).success());
            d.put("trigger_sha256", trigger.sha256());
            d.put("images_used", imagesUsed);
            d.put("seconds", seconds);
            d.put("classes", scan.classes());
            return d;
        }
    }

    /** The class predicted most often (lowest index on a tie) and the share of images predicted as it. */
    record Vote(int target, double share) {}

    /** Where {@code weights} send {@code triggered} images: the majority class confirms an inverted trigger's target. */
    static Vote majority(ImageClassifier model, StateDict weights, ImageDataset triggered) {
        int[] pred = Evaluator.predict(model, weights, triggered, Evaluator.DEFAULT_BATCH);
        int[] votes = new int[model.numClasses()];
        for (int p : pred) {
            votes[p]++;
        }
        int target = 0;
        for (int c = 1; c < votes.length; c++) {
            if (votes[c] > votes[target]) {
                target = c;
            }
        }
        return new Vote(target, pred.length == 0 ? Double.NaN : votes[target] / (double) pred.length);
    }

    private record Key(NeuralCleanse.Config config, long seed, ImageDataset data) {}

    private static final Map<StateDict, Map<Key, Outcome>> CACHE = new WeakHashMap<>();

    private TriggerInversion() {}

    /** The inversion for {@code ctx}'s backdoored weights, computed on first use. */
    static synchronized Outcome of(DefenseContext ctx, NeuralCleanse.Config config) {
        Key key = new Key(config, ctx.seed(), ctx.cleanData());
        Map<Key, Outcome> perModel = CACHE.computeIfAbsent(ctx.backdoored(), k -> new HashMap<>());
        Outcome cached = perModel.get(key);
        if (cached == null) {
            cached = compute(ctx, config);
            perModel.put(key, cached);
        } else {
            LOG.info("trigger inversion: reusing this model's Neural Cleanse result");
        }
        return cached;
    }

    private static Outcome compute(DefenseContext ctx, NeuralCleanse.Config config) {
        long start = System.nanoTime();
        ImageDataset images = ctx.cleanImages(config.images());
        // The context's seed reaches the inversion too, as it does every fine-tuning run.
        NeuralCleanse.Config seeded = config.withImages(0).withSeed(ctx.seed() + config.seed());
        NeuralCleanse.Result scan = NeuralCleanse.run(ctx.model(), ctx.backdoored(), images, seeded);
        int candidate = scan.flagged() ? scan.detectedTarget() : scan.smallest();
        InvertedTrigger trigger = scan.trigger(candidate);
        // Confirm: where does the backdoored model send other classes' images carrying the inverted trigger?
        ImageDataset triggered = Poisoning.triggeredTestSet(images, trigger, candidate);
        Vote vote = majority(ctx.model(), ctx.backdoored(), triggered);
        int target = vote.target();
        double share = vote.share();
        if (target != candidate) {
            // The trigger was optimised for the candidate: rebuild it for the class the model confirms.
            LOG.warn("trigger inversion: NC candidate {} but the backdoored model sends triggered images to {}",
                    candidate, target);
            trigger = scan.trigger(target);
        }
        LOG.info(String.format("trigger inversion: target %d (%s, anomaly index %.2f, majority %.1f%%)", target,
                scan.flagged() ? "flagged" : "not flagged, smallest norm", scan.smallestAnomalyIndex(),
                100 * share));
        return new Outcome(scan, candidate, target, share, trigger, images.size(),
                (System.nanoTime() - start) / 1e9);
    }
}
