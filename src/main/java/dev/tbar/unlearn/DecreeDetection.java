package dev.tbar.unlearn;

import dev.tbar.attack.InvertedTrigger;
import dev.tbar.attack.Poisoning;
import dev.tbar.data.Datasets;
import dev.tbar.data.ImageDataset;
import dev.tbar.invert.Decree;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Backdoor detection with DECREE on a classifier's encoder (penultimate features, or CLIP's image tower), no labels
 * needed: flagged when the collapse trigger's PL1-norm is below {@link Decree#FLAG_PL1}; the target is where the
 * classifier sends images carrying the inverted trigger (the same majority vote that confirms Neural Cleanse's).
 *
 * @param target the class predicted most often on the defender images with the inverted trigger
 * @param majorityShare the share of those images predicted as {@code target}
 */
public record DecreeDetection(Decree.Result scan, boolean flagged, int target, double majorityShare,
        InvertedTrigger trigger, int imagesUsed, double seconds) {
    private static final Logger LOG = LoggerFactory.getLogger(DecreeDetection.class);

    /**
     * Runs DECREE on {@code config.images()} of {@code data} (stratified, seeded by {@code config.seed()}; 0 = all)
     * and votes on the same images.
     */
    public static DecreeDetection run(ImageClassifier model, StateDict weights, ImageDataset data,
            Decree.Config config) {
        long start = System.nanoTime();
        int n = config.images();
        ImageDataset images = n == 0 || n >= data.size() ? data : Datasets.sample(data, n, config.seed());
        Decree.Result scan = Decree.run(model, weights, images, config.withImages(0));
        InvertedTrigger trigger = scan.trigger();
        // Every image triggered; the label (0) is unused, only the predictions count.
        TriggerInversion.Vote vote = TriggerInversion.majority(model, weights,
                Poisoning.triggerSet(images, trigger, 0));
        boolean flagged = scan.pl1() < Decree.FLAG_PL1;
        LOG.info(String.format("DECREE: PL1-norm %.4f (%s), target %d (majority %.1f%%)", scan.pl1(),
                flagged ? "flagged" : "not flagged", vote.target(), 100 * vote.share()));
        return new DecreeDetection(scan, flagged, vote.target(), vote.share(), trigger, images.size(),
                (System.nanoTime() - start) / 1e9);
    }

    /** What a report needs to judge the detection; {@code trueTarget} is unknown to DECREE. */
    public Report report(int trueTarget) {
        return new Report(flagged, scan.pl1(), Decree.FLAG_PL1, scan.meanCosine(), scan.reached(), target,
                majorityShare, trueTarget, target == trueTarget, scan.maskL1(), trigger.sha256(), imagesUsed,
                seconds);
    }

    /**
     * DECREE's detection as reported: {@code flagged} when the PL1-norm is below {@code flagThreshold}.
     *
     * @param similarityReached whether a batch reached the similarity threshold
     */
    @com.fasterxml.jackson.annotation.JsonPropertyOrder({"method"})
    public record Report(boolean flagged, double pl1, double flagThreshold, double meanCosine,
            boolean similarityReached, int detectedTarget, double majorityShare, int trueTarget,
            boolean detectionCorrect, double maskL1, String triggerSha256, int imagesUsed, double seconds)
            implements InversionReport {
        /** Which inversion ran, as readers of the JSON tell the two apart. */
        @com.fasterxml.jackson.annotation.JsonProperty("method")
        public String method() {
            return "decree";
        }
    }
}
