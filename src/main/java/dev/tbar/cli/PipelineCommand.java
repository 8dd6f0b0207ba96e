package dev.tbar.cli;

import dev.tbar.data.ImageDataset;
import dev.tbar.eval.DefenseResult;
import dev.tbar.eval.Metrics;
import dev.tbar.eval.RunResults;
import dev.tbar.model.StateDict;
import dev.tbar.report.Manifest;
import dev.tbar.report.RunFolder;
import dev.tbar.report.RunReport;
import dev.tbar.train.TrainResult;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The shape shared by demo, attack, unlearn and finetune: resolve the config, open a run folder with a manifest,
 * optionally implant a backdoor, run defenses, measure everything on the test split, write results and a report.
 */
abstract class PipelineCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--out", paramLabel = "DIR", description = "Run folder (default: runs/<command>-<time>).")
    Path out;

    @Option(names = "--force", description = "Write into a non-empty --out folder that is not a tbar run.")
    boolean force;

    @Spec
    CommandSpec spec;

    abstract String command();

    /** Whether this command implants the backdoor (otherwise the given weights are the backdoored ones). */
    abstract boolean implants();

    abstract List<String> defenses(ExperimentConfig cfg);

    ExperimentConfig defaults() {
        return ExperimentConfig.defaults();
    }

    @Override
    public Integer call() {
        ExperimentConfig cfg = options.resolve(defaults());
        if (options.printIfDryRun(cfg, spec.commandLine().getOut())) {
            return 0;
        }
        Path dir = out != null ? out : Path.of("runs", command() + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        RunFolder run = RunFolder.open(dir, force);
        Manifest manifest = Manifest.start(command(), List.of(spec.commandLine().getParseResult().originalArgs()
                .toArray(new String[0])));
        manifest.config(cfg);
        RunResults results = run.record(manifest, () -> {
            try (Experiment ex = new Experiment(cfg, manifest)) {
                RunResults r = execute(ex, run);
                run.writeJson("results.json", r);
                RunReport.write(run, r, command());
                return r;
            }
        });
        printSummary(results, run.dir());
        return 0;
    }

    private RunResults execute(Experiment ex, RunFolder run) {
        Metrics pretrained = null;
        Object implantInfo = null;
        StateDict backdoored;
        try (StateDict base = ex.baseWeights()) {
            if (implants()) {
                pretrained = ex.evaluate(base);
                TrainResult[] fit = new TrainResult[1];
                backdoored = ex.implant(base, run.path("checkpoints"), fit);
                implantInfo = fit[0];
                ex.save(backdoored, run.path("backdoored.safetensors"),
                        Map.of("attack", ex.attack.attackName(), "target", Integer.toString(ex.attack.target())));
                ex.trigger.save(run.path("trigger"));
            } else {
                backdoored = base.copy();
            }
        }
        try (StateDict bd = backdoored) {
            Metrics before = ex.evaluate(bd);
            List<DefenseResult> defended = new ArrayList<>();
            for (String name : defenses(ex.cfg)) {
                defended.add(ex.defend(name, bd, before, run.dir()));
            }
            ImageDataset test = ex.test;
            return new RunResults(ex.cfg.data().isSynthetic() ? "synthetic shapes" : ex.cfg.data().path(),
                    ex.cfg.data().isSynthetic(), ex.model.name(), ConfigOptions.describeAttack(ex.attack),
                    ex.attack.target(), ex.attackerSet.size(), test.size(), pretrained, before, implantInfo,
                    defended, Map.of());
        }
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
            o.printf("%-18s %9s %9s   (CA retention %.2f%%, %d images = %.2f%% of the poisoned set)%n", d.defense(),
                    Experiment.pct(d.test().ca()), Experiment.pct(d.test().asr()), d.caRetention(), d.imagesUsed(),
                    100 * d.dataFraction());
        }
        o.printf("%nreport: %s%n", dir.resolve("report.html"));
        o.flush();
    }
}
