package dev.tbar.cli;

import dev.tbar.TbarException;
import dev.tbar.experiment.Benchmark;
import dev.tbar.experiment.ExperimentConfig;
import dev.tbar.report.Format;
import dev.tbar.report.Leaderboard;
import dev.tbar.report.Manifest;
import dev.tbar.report.RunFolder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The benchmark matrix: datasets x attacks x seeds, one {@link Benchmark} cell each, resumable; the leaderboard
 * (report.md/html, leaderboard.json) is rebuilt from the files after every cell.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Attack x defense x seed benchmark on real data (e.g. CIFAR-10 with a pretrained ResNet-56);"
                + " resumable, with a leaderboard of mean and 95%% CI.")
class BenchCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @Option(names = "--datasets", split = ",",
            description = "Dataset settings: cifar10, gtsrb (default: ${DEFAULT-VALUE}).")
    List<String> datasets = List.of("cifar10");

    @Option(names = "--attacks", split = ",", description = "Attack presets (default: ${DEFAULT-VALUE}).")
    List<String> attacks = List.of("badnets-cifar", "blended-cifar", "wanet-cifar", "sig-cifar");

    @Option(names = "--seeds", split = ",",
            description = "Master seeds, one repetition each (default: ${DEFAULT-VALUE}).")
    List<Long> seeds = List.of(0L);

    @Option(names = "--trigger-fraction", description = "Defender images given to each defense, as a fraction of the"
            + " poisoned training set (default: ${DEFAULT-VALUE}).")
    double triggerFraction = 0.02;

    @Option(names = "--out", paramLabel = "DIR", description = "Benchmark folder; an earlier one is resumed"
            + " (default: ${DEFAULT-VALUE}).")
    Path out = Path.of("runs", "bench");

    @Option(names = "--force", description = "Write into a non-empty --out folder that is not a tbar run.")
    boolean force;

    @Option(names = "--report-only", description = "Rebuild the leaderboard from the cells in --out and run nothing; give the settings the"
            + " cells ran with (--set ...), which the leaderboard's setup lines describe.")
    boolean reportOnly;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Map<String, ExperimentConfig> bases = new LinkedHashMap<>();
        for (String d : datasets) {
            Benchmark.DatasetBench preset = Benchmark.DATASETS.get(d);
            if (preset == null) {
                throw new TbarException("--datasets: unknown dataset '" + d + "'; known: "
                        + Benchmark.DATASETS.keySet());
            }
            bases.put(d, options.resolve(preset.settings().get()));
        }
        var o = spec.commandLine().getOut();
        if (options.dryRun) {
            bases.values().forEach(b -> options.printIfDryRun(b, o));
            return 0;
        }
        RunFolder run = RunFolder.open(out, force);
        if (reportOnly) {
            print(Benchmark.writeLeaderboard(run, bases));
            return 0;
        }
        Manifest manifest = Manifest.start("bench", spec.commandLine().getParseResult().originalArgs());
        manifest.config(bases);
        Benchmark bench = new Benchmark(run, manifest, triggerFraction);
        run.record(manifest, () -> {
            for (var e : bases.entrySet()) {
                List<String> pretrain = Benchmark.DATASETS.get(e.getKey()).pretrain();
                String weights = e.getValue().model().weights();
                if ((weights == null || weights.isBlank()) && !pretrain.isEmpty()) {
                    e.setValue(bench.withCleanBase(e.getKey(), e.getValue(), pretrain));
                }
                for (String attack : attacks) {
                    for (long seed : seeds) {
                        bench.runCell(e.getKey(), e.getValue(), attack, seed);
                        Benchmark.writeLeaderboard(run, bases); // partial results are readable while the matrix fills
                    }
                }
            }
            return null;
        });
        print(Benchmark.writeLeaderboard(run, bases));
        return 0;
    }

    private void print(List<Leaderboard.Row> rows) {
        var o = spec.commandLine().getOut();
        o.printf("%n%-8s %-15s %-15s %16s %16s %16s %14s %16s %9s %5s%n", "dataset", "attack", "model", "CA %",
                "ASR %", "RA %", "DER", "regained ASR %", "time", "seeds");
        for (Leaderboard.Row r : rows) {
            o.printf("%-8s %-15s %-15s %16s %16s %16s %14s %16s %9s %5d%n", r.dataset(), r.attack(), r.model(),
                    Leaderboard.meanCi(r.ca(), 100, 2), Leaderboard.meanCi(r.asr(), 100, 2),
                    Leaderboard.meanCi(r.ra(), 100, 2), Leaderboard.meanCi(r.der(), 1, 3),
                    Leaderboard.meanCi(r.regainedAsr(), 100, 2),
                    r.seconds().n() == 0 ? "" : Format.duration(r.seconds().mean()), r.ca().n());
        }
        o.flush();
    }
}
