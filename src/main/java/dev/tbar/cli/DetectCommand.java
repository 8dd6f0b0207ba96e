package dev.tbar.cli;

import dev.tbar.attack.InvertedTrigger;
import dev.tbar.data.Image;
import dev.tbar.data.ImageCodec;
import dev.tbar.data.ImageDataset;
import dev.tbar.experiment.Experiment;
import dev.tbar.experiment.ExperimentConfig;
import dev.tbar.invert.NeuralCleanse;
import dev.tbar.model.StateDict;
import dev.tbar.report.Manifest;
import dev.tbar.report.RunFolder;
import dev.tbar.unlearn.TriggerInversion;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Neural Cleanse on --weights with the defender's clean images: per class, the smallest trigger that sends other
 * images there; a class needing a far smaller one than the rest (anomaly index > 2) is the likely backdoor target.
 */
@Command(name = "detect", mixinStandardHelpOptions = true,
        description = "Scan --weights for a backdoor with Neural Cleanse (trigger inversion per class; settings in"
                + " the config's invert section) or DECREE (--method decree: the smallest trigger that collapses the"
                + " model's features; settings in the decree section).")
class DetectCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--images", paramLabel = "N",
            description = "Clean defender images to invert on (default: invert.images or decree.images; 0 = all).")
    Integer images;

    @Option(names = "--method", paramLabel = "NAME", defaultValue = "neural-cleanse",
            description = "neural-cleanse (default) or decree.")
    String method;

    @Mixin
    RunFolderOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        boolean decree = DetectDecree.isDecree(method);
        if (images != null) { // after the config file, like any --set
            options.sets.add((decree ? "decree" : "invert") + ".images=" + images);
        }
        ExperimentConfig cfg = options.resolve(ExperimentConfig.defaults());
        PrintWriter o = spec.commandLine().getOut();
        if (options.printIfDryRun(cfg, o)) {
            return 0;
        }
        RunFolder run = output.open("detect");
        Manifest manifest = Manifest.start("detect", spec.commandLine().getParseResult().originalArgs());
        manifest.config(cfg);
        run.record(manifest, () -> {
            if (decree) {
                return DetectDecree.run(cfg, manifest, run, o);
            }
            try (Experiment ex = new Experiment(cfg, manifest); StateDict w = ex.baseWeights()) {
                NeuralCleanse.Config nc = cfg.section(TriggerInversion.SECTION);
                long seed = cfg.seedFor("invert", nc.seed());
                manifest.seed("invert", seed);
                NeuralCleanse.Config seeded = nc.withSeed(seed);
                NeuralCleanse.Result r;
                try (var t = manifest.timings().phase("neural-cleanse")) {
                    r = NeuralCleanse.run(ex.model(), w, ex.defenderSet(), seeded);
                }
                print(o, r, ex.defenderSet());
                write(run, r, ex, seeded);
                return r;
            }
        });
        o.printf("%noutputs: %s%n", run.dir());
        o.flush();
        return 0;
    }

    private static void print(PrintWriter o, NeuralCleanse.Result r, ImageDataset data) {
        o.printf("%n%5s  %-14s %9s %9s %14s%n", "class", "name", "mask L1", "success", "anomaly index");
        for (int i = 0; i < r.classes().size(); i++) {
            NeuralCleanse.ClassResult c = r.classes().get(i);
            o.printf("%5d  %-14s %9.2f %8.2f%% %14.2f%s%n", c.target(), name(data, c.target()), c.maskL1(),
                    100 * c.success(), r.anomalyIndex()[i], c.target() == r.detectedTarget() ? "  <- flagged" : "");
        }
        if (r.flagged()) {
            o.printf("%nbackdoor detected: target class %d (%s), anomaly index %.2f > %.0f%n", r.detectedTarget(),
                    name(data, r.detectedTarget()), r.smallestAnomalyIndex(), NeuralCleanse.FLAG_THRESHOLD);
        } else {
            o.printf("%nno backdoor detected (smallest mask: class %d, anomaly index %.2f <= %.0f)%n", r.smallest(),
                    r.smallestAnomalyIndex(), NeuralCleanse.FLAG_THRESHOLD);
        }
    }

    private static String name(ImageDataset data, int c) {
        return c < data.classes().size() ? data.classes().get(c) : "";
    }

    /** detect.json, a mask and pattern PNG per class, and the smallest-norm class's trigger, each atomically. */
    private static void write(RunFolder run, NeuralCleanse.Result r, Experiment ex, NeuralCleanse.Config cfg) {
        int[] s = r.imageShape();
        List<Map<String, Object>> classes = new ArrayList<>();
        for (int i = 0; i < r.classes().size(); i++) {
            NeuralCleanse.ClassResult c = r.classes().get(i);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("class", c.target());
            row.put("name", name(ex.defenderSet(), c.target()));
            row.put("maskL1", c.maskL1());
            row.put("success", c.success());
            row.put("anomalyIndex", r.anomalyIndex()[i]);
            row.put("thresholdReached", c.reached());
            row.put("maskPng", "mask-" + c.target() + ".png");
            row.put("patternPng", "pattern-" + c.target() + ".png");
            classes.add(row);
            run.writeBytes("mask-" + c.target() + ".png", ImageCodec.toPng(new Image(1, s[1], s[2], c.mask())));
            run.writeBytes("pattern-" + c.target() + ".png",
                    ImageCodec.toPng(new Image(s[0], s[1], s[2], c.pattern())));
        }
        InvertedTrigger t = r.trigger(r.smallest());
        t.save(run.path("trigger"));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("model", ex.model().name());
        doc.put("weights", ex.cfg().model().weights());
        int available = ex.defenderSet().size();
        doc.put("images", Math.min(cfg.images() == 0 ? available : cfg.images(), available));
        doc.put("flagged", r.flagged());
        doc.put("detectedTarget", r.flagged() ? r.detectedTarget() : null);
        doc.put("smallest", r.smallest());
        doc.put("anomalyIndex", r.smallestAnomalyIndex());
        doc.put("flagThreshold", NeuralCleanse.FLAG_THRESHOLD);
        doc.put("medianMaskL1", r.medianNorm());
        doc.put("mad", r.mad());
        doc.put("trigger", "trigger/trigger.safetensors");
        doc.put("triggerSha256", t.sha256());
        doc.put("invert", cfg);
        doc.put("classes", classes);
        run.writeJson("detect.json", doc);
    }
}
