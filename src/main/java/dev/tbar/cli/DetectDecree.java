package dev.tbar.cli;

import dev.tbar.TbarException;
import dev.tbar.data.Image;
import dev.tbar.data.ImageCodec;
import dev.tbar.experiment.Experiment;
import dev.tbar.experiment.ExperimentConfig;
import dev.tbar.invert.Decree;
import dev.tbar.model.StateDict;
import dev.tbar.report.Manifest;
import dev.tbar.report.RunFolder;
import dev.tbar.unlearn.DecreeDetection;
import dev.tbar.unlearn.TbarDecree;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code tbar detect --method decree}: DECREE on the model's encoder, the PL1 flag and the majority target. */
final class DetectDecree {
    static final String NEURAL_CLEANSE = "neural-cleanse";
    static final String DECREE = "decree";

    private DetectDecree() {}

    /** True for {@code decree}, false for {@code neural-cleanse}; anything else is a user error naming the option. */
    static boolean isDecree(String method) {
        if (DECREE.equals(method)) {
            return true;
        }
        if (NEURAL_CLEANSE.equals(method)) {
            return false;
        }
        throw new TbarException("--method: unknown detection method '" + method + "'; expected " + NEURAL_CLEANSE
                + " or " + DECREE);
    }

    static DecreeDetection run(ExperimentConfig cfg, Manifest manifest, RunFolder run, PrintWriter o) {
        try (Experiment ex = new Experiment(cfg, manifest); StateDict w = ex.baseWeights()) {
            long seed = cfg.seedFor("decree", cfg.section(TbarDecree.SECTION).seed());
            manifest.seed("decree", seed);
            Decree.Config seeded = cfg.section(TbarDecree.SECTION).withSeed(seed);
            DecreeDetection d;
            try (var t = manifest.timings().phase("decree")) {
                d = DecreeDetection.run(ex.model(), w, ex.defenderSet(), seeded);
            }
            List<String> classes = ex.defenderSet().classes();
            String name = d.target() < classes.size() ? classes.get(d.target()) : "";
            o.printf("%nDECREE on %d images: PL1-norm %.4f (mask L1 %.2f), mean cosine %.4f%s%n", d.imagesUsed(),
                    d.scan().pl1(), d.scan().maskL1(), d.scan().meanCosine(),
                    d.scan().reached() ? "" : " (similarity threshold not reached)");
            o.printf("%s: PL1-norm %.4f %s %.2f%n", d.flagged() ? "backdoor detected" : "no backdoor detected",
                    d.scan().pl1(), d.flagged() ? "<" : ">=", Decree.FLAG_PL1);
            o.printf("majority target with the inverted trigger: class %d (%s), %.1f%% of images%n", d.target(), name,
                    100 * d.majorityShare());
            write(run, d, ex, seeded);
            return d;
        }
    }

    /** detect.json, the mask and pattern PNGs and the inverted trigger, each atomically. */
    private static void write(RunFolder run, DecreeDetection d, Experiment ex, Decree.Config cfg) {
        int[] s = d.scan().imageShape();
        run.writeBytes("mask.png", ImageCodec.toPng(new Image(1, s[1], s[2], d.scan().mask())));
        run.writeBytes("pattern.png", ImageCodec.toPng(new Image(s[0], s[1], s[2], d.scan().pattern())));
        d.trigger().save(run.path("trigger"));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("method", DECREE);
        doc.put("model", ex.model().name());
        doc.put("weights", ex.cfg().model().weights());
        doc.put("images", d.imagesUsed());
        doc.put("flagged", d.flagged());
        doc.put("pl1", d.scan().pl1());
        doc.put("flagThreshold", Decree.FLAG_PL1);
        doc.put("maskL1", d.scan().maskL1());
        doc.put("meanCosine", d.scan().meanCosine());
        doc.put("similarityReached", d.scan().reached());
        doc.put("detectedTarget", d.target());
        doc.put("majorityShare", d.majorityShare());
        doc.put("seconds", d.seconds());
        doc.put("maskPng", "mask.png");
        doc.put("patternPng", "pattern.png");
        doc.put("trigger", "trigger/trigger.safetensors");
        doc.put("triggerSha256", d.trigger().sha256());
        doc.put("decree", cfg);
        run.writeJson("detect.json", doc);
    }
}
