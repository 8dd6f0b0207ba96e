package dev.tbar.cli;

import dev.tbar.TbarException;
import dev.tbar.eval.Disentanglement;
import dev.tbar.experiment.Analysis;
import dev.tbar.experiment.Experiment;
import dev.tbar.experiment.ExperimentConfig;
import dev.tbar.report.Manifest;
import dev.tbar.report.RunFolder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tbar analyze}: the options of an {@link Analysis} run and its printed summary. */
@Command(name = "analyze", mixinStandardHelpOptions = true,
        description = "Weight disentanglement of clean and trigger task vectors, and their cosine similarities.")
class AnalyzeCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--attacks", split = ",", description = "Attack presets (default: the configured attack).")
    List<String> attacks = new ArrayList<>();

    @Option(names = "--coef-max", description = "Largest coefficient a_c and a_t of the grid, from 0"
            + " (default: ${DEFAULT-VALUE}).")
    double coefMax = 2;

    @Option(names = "--coef-steps", description = "Grid points per axis (default: ${DEFAULT-VALUE}).")
    int coefSteps = 9;

    @Option(names = "--eval-images", description = "Validation images on which xi is measured, stratified"
            + " (0 = all; default: ${DEFAULT-VALUE}).")
    int evalImages = 300;

    @Mixin
    RunFolderOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ExperimentConfig base = options.resolve(ExperimentConfig.defaults());
        if (options.printIfDryRun(base, spec.commandLine().getOut())) {
            return 0;
        }
        if (coefSteps < 2 || !(coefMax > 0) || !Double.isFinite(coefMax)) {
            throw new TbarException("--coef-steps must be >= 2 and --coef-max a finite number > 0, got "
                    + coefSteps + " and " + coefMax);
        }
        if (evalImages < 0) {
            throw new TbarException("--eval-images must be >= 0 (0 = all validation images), got " + evalImages);
        }
        RunFolder run = output.open("analyze");
        Manifest manifest = Manifest.start("analyze", spec.commandLine().getParseResult().originalArgs());
        manifest.config(base);
        Analysis analysis = new Analysis(Disentanglement.linspace(0, coefMax, coefSteps), evalImages);
        List<String> names = attacks.isEmpty() ? List.of("") : attacks;
        List<Analysis.AttackAnalysis> analysed = run.record(manifest, () -> analysis.run(base, names, run, manifest));
        print(analysed, run.dir());
        return 0;
    }

    private void print(List<Analysis.AttackAnalysis> rows, Path dir) {
        var o = spec.commandLine().getOut();
        o.printf("%n%-16s %10s %10s %10s %10s %14s%n", "attack", "bd ASR", "|tau_t|", "mean xi", "max xi",
                "cos(c, t)");
        for (Analysis.AttackAnalysis r : rows) {
            o.printf(java.util.Locale.ROOT, "%-16s %10s %10.4f %10.4f %10.4f %14.4f%n", r.attack(),
                    Experiment.pct(r.backdoored().asr()), r.triggerVectorNorm(), r.meanXi(), r.maxXi(),
                    r.cleanTriggerCosine());
        }
        o.printf("%nreport: %s%n", dir.resolve("report.html"));
        o.flush();
    }
}
