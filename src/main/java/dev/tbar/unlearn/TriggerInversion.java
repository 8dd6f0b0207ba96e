package dev.tbar.unlearn;

import dev.tbar.attack.InvertedTrigger;
import dev.tbar.attack.Poisoning;
import dev.tbar.data.ImageDataset;
import dev.tbar.eval.Evaluator;
import dev.tbar.invert.NeuralCleanse;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Neural Cleanse on the defender's clean images, for the defenses that unlearn an unknown trigger, done once per
 * backdoored model: results are cached by the weights' identity (a run never changes theta_bd in place), the
 * settings, the seed and the data, so {@code tbar-inverted} and {@code nc-unlearn} in one run share one inversion.
 */
public final class TriggerInversion {
    /** Neural Cleanse's settings, shared by the defenses that unlearn an inverted trigger. */
    public static final Section<NeuralCleanse.Config> SECTION = new Section<>("invert", NeuralCleanse.Config.class,
            NeuralCleanse.Config.defaults());
    private static final Logger LOG = LoggerFactory.getLogger(TriggerInversion.class);

    /**
     * @param candidate NC's flagged class, or the smallest-norm class when none is flagged
     * @param target the class the backdoored model gives most triggered images (the confirmed target)
     * @param majorityShare the share of triggered images predicted as {@code target}
     */
    record Outcome(NeuralCleanse.Result scan, int candidate, int target, double majorityShare,
            InvertedTrigger trigger, int imagesUsed, double seconds) {
        /** What a report needs to judge the detection; {@code trueTarget} is the experiment's, unknown to NC. */
        Report report(int trueTarget) {
            return new Report(scan.flagged(), scan.smallestAnomalyIndex(), candidate, target, majorityShare,
                    trueTarget, target == trueTarget, scan.of(candidate).maskL1(), scan.of(candidate).success(),
                    trigger.sha256(), imagesUsed, seconds, scan.classes());
        }
    }

    /**
     * Neural Cleanse's detection as reported.
     *
     * @param anomalyIndex the smallest class's anomaly index (1.4826 MAD units below the median mask norm)
     * @param candidate NC's flagged class, or the smallest-norm class when none is flagged
     * @param classes every class's scan
     */
    public record Report(boolean flagged, double anomalyIndex, int candidate, int detectedTarget,
            double majorityShare, int trueTarget, boolean detectionCorrect, double maskL1, double invertedSuccess,
            String triggerSha256, int imagesUsed, double seconds, List<NeuralCleanse.ClassResult> classes)
            implements InversionReport {}

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

    /**
     * A defense that unlearns the inverted trigger: runs the inversion, then {@code defense} on its outcome, and
     * reports both as defense {@code name}: the inversion's details first, the most images either used, the wall
     * time of both ({@code defense}'s own name and seconds are not used).
     */
    static DefenseOutcome thenDefend(String name, DefenseContext ctx, NeuralCleanse.Config config,
            Function<Outcome, DefenseOutcome> defense) {
        long start = System.nanoTime();
        Outcome inv = of(ctx, config);
        return merged(name, inv.report(ctx.targetClass()), defense.apply(inv), start);
    }

    /**
     * A defense's outcome {@code out} as one that also inverted the trigger: the inversion's details first, the
     * larger image count, the wall time since {@code start} (both parts).
     */
    static DefenseOutcome merged(String name, InversionReport inversion, DefenseOutcome out, long start) {
        return new DefenseOutcome(name, out.cleaned(), Math.max(out.imagesUsed(), inversion.imagesUsed()),
                out.steps(), (System.nanoTime() - start) / 1e9,
                new InversionReport.Inverted(inversion, out.details()));
    }

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
