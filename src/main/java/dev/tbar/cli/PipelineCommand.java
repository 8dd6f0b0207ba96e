package dev.tbar.cli;

import dev.tbar.eval.DefenseResult;
import dev.tbar.eval.RunResults;
import dev.tbar.experiment.Experiment;
import dev.tbar.experiment.ExperimentConfig;
import dev.tbar.report.Manifest;
import dev.tbar.report.RunFolder;
import dev.tbar.report.RunReport;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The shape shared by demo, attack, unlearn and finetune: resolve the config, open a run folder with a manifest,
 * optionally implant a backdoor, run defenses, measure everything on the test split, write results and a report.
 */
abstract class PipelineCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Mixin
    RunFolderOptions output;

    @Spec
    CommandSpec spec;

    abstract String command();

    /** Whether this command implants the backdoor (otherwise the given weights are the backdoored ones). */
    abstract boolean implants();

    abstract List<String> defenses(ExperimentConfig cfg);

    ExperimentConfig defaults() {
        return ExperimentConfig.defaults();
    }

    /** Work before the experiment, inside the recorded run (the demo's clean model); by default none. */
    ExperimentConfig prepare(ExperimentConfig cfg, RunFolder run, Manifest manifest) {
        return cfg;
    }

    @Override
    public Integer call() {
        ExperimentConfig cfg = options.resolve(defaults());
        if (options.printIfDryRun(cfg, spec.commandLine().getOut())) {
            return 0;
        }
        RunFolder run = output.open(command());
        Manifest manifest = Manifest.start(command(), List.of(spec.commandLine().getParseResult().originalArgs()
                .toArray(new String[0])));
        manifest.config(cfg);
        RunResults results = run.record(manifest, () -> {
            ExperimentConfig ready = prepare(cfg, run, manifest);
            try (Experiment ex = new Experiment(ready, manifest)) {
                RunResults r = ex.run(run, implants(), defenses(ready));
                run.writeJson("results.json", r);
                RunReport.write(run, r, command());
                return r;
            }
        });
        printSummary(results, run.dir());
        return 0;
    }

    private void printSummary(RunResults r, Path dir) {
        var o = spec.commandLine().getOut();
        o.printf("%n%-18s %9s %9s%n", "model", "CA", "ASR");
        if (r.pretrained() != null) {
            o.printf("%-18s %9s %9s%n", "starting weights", Experiment.pct(r.pretrained().ca()),
                    Experiment.pct(r.pretrained().asr()));
        }
        o.printf("%-18s %9s %9s%n", "backdoored", Experiment.pct(r.backdoored().ca()),
                Experiment.pct(r.backdoored().asr()));
        for (DefenseResult d : r.defenses()) {
            o.printf("%-18s %9s %9s   (CA retention %.2f%%, %d images = %.2f%% of the poisoned set, %.1f s)%n",
                    d.defense(), Experiment.pct(d.test().ca()), Experiment.pct(d.test().asr()), d.caRetention(),
                    d.imagesUsed(), 100 * d.dataFraction(), d.seconds());
        }
        o.printf("%nreport: %s%n", dir.resolve("report.html"));
        o.flush();
    }
}
