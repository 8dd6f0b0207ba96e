package dev.tbar.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tbar.config.Configs;
import dev.tbar.eval.Metrics;
import dev.tbar.experiment.Clean;
import dev.tbar.experiment.Experiment;
import dev.tbar.experiment.ExperimentConfig;
import dev.tbar.invert.NeuralCleanse;
import dev.tbar.model.TorchScriptArchive;
import dev.tbar.report.Manifest;
import dev.tbar.report.RunFolder;
import dev.tbar.report.RunReport;
import dev.tbar.unlearn.DefenseDetails;
import dev.tbar.unlearn.Tbar;
import dev.tbar.unlearn.TriggerInversion;
import dev.tbar.util.Devices;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Detect (or take) a backdoor's trigger in the user's own model and remove it with TBAR, on the user's images. */
@Command(name = "clean", mixinStandardHelpOptions = true,
        description = "Clean your own model: --weights (TorchScript, or a tbar model with --model) and --data, a"
                + " folder of your clean images (one folder per class). Without --trigger, Neural Cleanse looks for"
                + " a backdoor first; TBAR then removes it. Part of the images is held out to measure CA and ASR"
                + " before and after.")
class CleanCommand implements Callable<Integer> {
    @Option(names = "--weights", required = true, paramLabel = "FILE", description = "The suspicious model.")
    Path weights;

    @Option(names = "--model", paramLabel = "NAME",
            description = "Architecture (default: torchscript for a TorchScript file; see tbar info).")
    String model;

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "Your clean images: <class>/<image> (class folders named 0, 1, ... or one per class).")
    Path data;

    @Option(names = "--trigger", paramLabel = "PNG",
            description = "A known trigger: RGBA PNG of the images' size, RGB = pattern, alpha = mask.")
    Path trigger;

    @Option(names = "--target", paramLabel = "CLASS", description = "The known trigger's target class.")
    Integer target;

    @Option(names = "--image-size", paramLabel = "PX", defaultValue = "32", description = "Image side (default 32).")
    int imageSize;

    @Option(names = "--classes", paramLabel = "N", defaultValue = "0",
            description = "Classes of the model when the folders give only some (default: from folders or model).")
    int classes;

    @Option(names = "--holdout", paramLabel = "F", defaultValue = "0.3",
            description = "Fraction of the images held out to measure before and after (default 0.3).")
    double holdout;

    @Option(names = "--skip-unreadable",
            description = "Leave out image files that do not decode (each named) instead of stopping at the first.")
    boolean skipUnreadable;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a setting, e.g. --set tbar.ca_threshold=0.9 or --set \"model.mean=[0.5,0.5,0.5]\".")
    List<String> sets = new ArrayList<>();

    @Mixin
    RunFolderOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        List<String> all = new ArrayList<>();
        all.add("model.name=" + (model != null ? model
                : TorchScriptArchive.isTorchScript(weights) ? "torchscript" : "resnet20"));
        all.add("model.weights=" + weights);
        all.addAll(sets);
        ExperimentConfig cfg = Configs.load(ExperimentConfig.class, ExperimentConfig.defaults(), null, all);
        PrintWriter o = spec.commandLine().getOut();
        try (NDManager m = Devices.newManager();
                Clean clean = new Clean(cfg, new Clean.Request(data, imageSize, trigger, target, holdout, classes,
                        skipUnreadable), m)) {
            NeuralCleanse.Config invert = cfg.section(TriggerInversion.SECTION);
            Clean.Found found = clean.find(invert.withSeed(cfg.seedFor("invert", invert.seed())));
            if (found.trigger() == null) {
                NeuralCleanse.Result d = found.detection();
                o.printf("no backdoor detected in %s: the smallest trigger (class %d) has anomaly index %.2f <= %.0f;"
                        + " nothing was written%n", weights, d.smallest(), d.smallestAnomalyIndex(),
                        NeuralCleanse.FLAG_THRESHOLD);
                o.flush();
                return 0;
            }
            RunFolder run = output.open("clean");
            Manifest manifest = Manifest.start("clean", spec.commandLine().getParseResult().originalArgs());
            manifest.config(cfg);
            Path[] written = new Path[1];
            Clean.Result r = run.record(manifest, () -> {
                Clean.Result res = clean.remove(found, run.dir());
                try (var cleaned = res.outcome().cleaned()) {
                    written[0] = clean.save(cleaned, run.path("cleaned.safetensors"));
                }
                found.trigger().save(run.path("trigger"));
                run.writeJson("clean.json", summary(clean, res, written[0]));
                var results = clean.results(res, data.toString());
                run.writeJson("results.json", results);
                RunReport.write(run, results, "clean");
                return res;
            });
            print(o, clean, r, written[0], run.dir());
            return 0;
        }
    }

    /** What clean.json holds: the inputs, what was found, CA and ASR on the held-out images, TBAR's details. */
    record Summary(String model, String weights, int images, int heldOut, String trigger, int target,
            @JsonInclude(JsonInclude.Include.NON_NULL) Double anomalyIndex, Metrics before, Metrics after,
            double alpha, DefenseDetails tbar, double seconds, String cleaned) {}

    private Summary summary(Clean clean, Clean.Result r, Path written) {
        NeuralCleanse.Result d = r.found().detection();
        return new Summary(clean.modelName(), weights.toString(), clean.images(), clean.holdout().size(),
                d == null ? "given: " + trigger : "Neural Cleanse", r.found().target(),
                d == null ? null : d.smallestAnomalyIndex(), r.before(), r.after(), alpha(r), r.outcome().details(),
                r.outcome().seconds(), written.getFileName().toString());
    }

    private static double alpha(Clean.Result r) {
        return r.outcome().details() instanceof Tbar.Details t ? t.alpha() : Double.NaN;
    }

    private static void print(PrintWriter o, Clean clean, Clean.Result r, Path written, Path dir) {
        NeuralCleanse.Result d = r.found().detection();
        if (d != null) {
            o.printf("backdoor detected: target class %d, anomaly index %.2f > %.0f (Neural Cleanse)%n",
                    r.found().target(), d.smallestAnomalyIndex(), NeuralCleanse.FLAG_THRESHOLD);
        } else {
            o.printf("known trigger, target class %d%n", r.found().target());
        }
        o.printf("on %d held-out images of %d: CA %s -> %s, ASR %s -> %s%s%n", clean.holdout().size(), clean.images(),
                Experiment.pct(r.before().ca()), Experiment.pct(r.after().ca()), Experiment.pct(r.before().asr()),
                Experiment.pct(r.after().asr()), d != null ? " (ASR of the inverted trigger)" : "");
        o.printf("TBAR: alpha %.3f, %.1f s; cleaned model: %s%nreport: %s%n", alpha(r), r.outcome().seconds(),
                written, dir.resolve("report.html"));
        o.flush();
    }
}
