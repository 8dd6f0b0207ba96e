package dev.tbar.cli;

import dev.tbar.config.Configs;
import dev.tbar.eval.DefenseResult;
import dev.tbar.eval.Metrics;
import dev.tbar.model.StateDict;
import dev.tbar.report.Format;
import dev.tbar.report.Manifest;
import dev.tbar.report.Report;
import dev.tbar.report.RunFolder;
import dev.tbar.train.TrainResult;
import dev.tbar.unlearn.DefenseConfig;
import java.nio.file.Path;
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
 * The benchmark: for each attack, implant the backdoor into the pretrained model, then run TBAR and clean
 * fine-tuning with the same defender data, and record CA/ASR, retention, data, time and training throughput.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Attack x defense benchmark on a real dataset (e.g. CIFAR-10 with a pretrained ResNet-56).")
class BenchCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--attacks", split = ",", description = "Attack presets (default: ${DEFAULT-VALUE}).")
    List<String> attacks = List.of("badnets-cifar", "blended-cifar", "wanet-cifar", "sig-cifar");

    @Option(names = "--trigger-fraction", description = "Trigger-set size as a fraction of the poisoned training set"
            + " (default: ${DEFAULT-VALUE}).")
    double triggerFraction = 0.02;

    @Option(names = "--out", paramLabel = "DIR", description = "Benchmark folder (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("runs", "bench");

    @Option(names = "--force", description = "Write into a non-empty --out folder that is not a tbar run.")
    boolean force;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** One attack's row. */
    record Row(String attack, Metrics pretrained, Metrics backdoored, double implantImagesPerSecond,
            double implantSeconds, int poisonedSetSize, List<DefenseResult> defenses) {}

    @Override
    public Integer call() {
        ExperimentConfig base = options.resolve(Presets.cifarBench());
        var o = spec.commandLine().getOut();
        if (options.printIfDryRun(base, o)) {
            return 0;
        }
        RunFolder run = RunFolder.open(out, force);
        Manifest manifest = Manifest.start("bench", spec.commandLine().getParseResult().originalArgs());
        manifest.config(base);
        run.writeManifest(manifest);
        List<Row> rows = new ArrayList<>();
        try {
            for (String attack : attacks) {
                rows.add(runAttack(base, attack, run, manifest));
                run.writeJson("bench.json", rows); // partial results survive an interrupted benchmark
            }
            writeReport(run, rows, base);
            manifest.completed();
        } catch (RuntimeException e) {
            manifest.failed(e);
            throw e;
        } finally {
            run.writeManifest(manifest);
        }
        print(rows);
        return 0;
    }

    private Row runAttack(ExperimentConfig base, String attack, RunFolder run, Manifest manifest) {
        ExperimentConfig cfg = Configs.load(ExperimentConfig.class, base, null,
                List.of("attack.preset=" + attack, "attack.name="));
        try (Experiment ex = new Experiment(cfg, manifest); StateDict w = ex.baseWeights()) {
            // TBAR's trigger set and clean fine-tuning get the same defender images: a fixed share of the poisoned set.
            int images = (int) Math.round(triggerFraction * ex.attackerSet.size());
            DefenseConfig defenses = cfg.defenseConfig().withImageBudget(images);
            Metrics pre = ex.evaluate(w);
            TrainResult[] fit = new TrainResult[1];
            try (StateDict bd = ex.implant(w, null, fit)) {
                Metrics before = ex.evaluate(bd);
                List<DefenseResult> results = new ArrayList<>();
                for (String d : cfg.defenses()) {
                    results.add(ex.defend(d, defenses, bd, before, null));
                }
                Row row = new Row(attack, pre, before, fit[0].imagesPerSecond(), fit[0].seconds(),
                        ex.attackerSet.size(), results);
                print(List.of(row));
                return row;
            }
        }
    }

    private void print(List<Row> rows) {
        var o = spec.commandLine().getOut();
        o.printf("%n%-15s %-10s %8s %8s %10s %12s %8s %9s%n", "attack", "model", "CA", "ASR", "CA ret.",
                "images", "time", "img/s");
        for (Row r : rows) {
            o.printf("%-15s %-10s %8s %8s %10s %12s %8s %9.0f%n", r.attack(), "backdoored",
                    Format.percent(r.backdoored().ca()), Format.percent(r.backdoored().asr()), "", "",
                    Format.duration(r.implantSeconds()), r.implantImagesPerSecond());
            for (DefenseResult d : r.defenses()) {
                o.printf("%-15s %-10s %8s %8s %9.2f%% %12s %8s%n", "", d.defense(), Format.percent(d.test().ca()),
                        Format.percent(d.test().asr()), d.caRetention(), d.imagesUsed() + " (" + Format.percent(
                                d.dataFraction()) + ")", Format.duration(d.seconds()));
            }
        }
        o.flush();
    }

    private static void writeReport(RunFolder run, List<Row> rows, ExperimentConfig cfg) {
        Report rep = new Report("tbar benchmark: " + cfg.model().name() + " on " + cfg.data().path());
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("Model", cfg.model().name() + " from " + cfg.model().weights());
        setup.put("Implant", cfg.implant().epochs() + " epochs, lr " + cfg.implant().lr());
        setup.put("Seed", cfg.seed());
        rep.heading(2, "Setup").keyValues(setup);
        List<List<String>> table = new ArrayList<>();
        for (Row r : rows) {
            table.add(List.of(r.attack(), "backdoored", Format.percent(r.backdoored().ca()),
                    Format.percent(r.backdoored().asr()), "", "", Format.duration(r.implantSeconds())));
            for (DefenseResult d : r.defenses()) {
                table.add(List.of(r.attack(), d.defense(), Format.percent(d.test().ca()),
                        Format.percent(d.test().asr()), Format.fixed(d.caRetention(), 2) + "%",
                        d.imagesUsed() + " (" + Format.percent(d.dataFraction()) + ")", Format.duration(d.seconds())));
            }
        }
        rep.heading(2, "Results (test split)").table(List.of("attack", "model", "CA", "ASR", "CA retention",
                "images used", "time"), table);
        rep.writeTo(run);
    }
}
