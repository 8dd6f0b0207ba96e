package dev.tbar.cli;

import dev.tbar.TbarException;
import dev.tbar.cluster.Launcher;
import dev.tbar.cluster.SlurmBatch;
import dev.tbar.cluster.SlurmConfig;
import dev.tbar.experiment.BenchPlan;
import dev.tbar.experiment.Benchmark;
import dev.tbar.experiment.ExperimentConfig;
import dev.tbar.report.Format;
import dev.tbar.report.Leaderboard;
import dev.tbar.report.Manifest;
import dev.tbar.report.RunFolder;
import dev.tbar.util.Devices;
import dev.tbar.util.FileLocks;
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

    @Option(names = "--plan", description = "Print the numbered cells and what each still has to run, write them to"
            + " plan.json in --out, and run nothing.")
    boolean plan;

    @Option(names = "--cell", paramLabel = "K", description = "Run cell K of the plan only (see --plan, which must"
            + " have been written with the same options); for schedulers running cells as parallel tasks.")
    Integer cell;

    @Option(names = "--slurm", description = "Write a Slurm job array with one task per unfinished cell, and a job"
            + " that rebuilds the leaderboard after it, into --out/slurm (settings: the slurm config section).")
    boolean slurm;

    @Option(names = "--submit", description = "With --slurm: submit the jobs with sbatch and print their ids.")
    boolean submit;

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
        checkModes();
        var o = spec.commandLine().getOut();
        if (options.dryRun) {
            bases.values().forEach(b -> options.printIfDryRun(b, o));
            return 0;
        }
        RunFolder run = RunFolder.open(out, force);
        Map<String, ExperimentConfig> cfgs = Benchmark.withBases(run, bases);
        if (reportOnly) {
            print(Benchmark.writeLeaderboard(run, cfgs));
            return 0;
        }
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        Manifest manifest = Manifest.start("bench", args);
        manifest.config(cfgs);
        Benchmark bench = new Benchmark(run, manifest, triggerFraction);
        BenchPlan layout = BenchPlan.of(cfgs.keySet(), attacks, seeds);
        if (plan || slurm) {
            BenchPlan cells = layout.withPending(bench, cfgs);
            printPlan(cells);
            if (!run.previousRun()) {
                run.writeManifest(manifest.completed()); // marks the folder a tbar run before any task writes into it
            }
            cells.write(run);
            if (slurm) {
                schedule(run, cells, cfgs, args);
            }
            return 0;
        }
        if (cell != null) {
            runOneCell(run, manifest, bench, layout, cfgs);
            return 0;
        }
        run.record(manifest, () -> {
            for (BenchPlan.PlanCell c : layout.cells()) {
                bench.runCell(c.dataset(), cfgs.get(c.dataset()), c.attack(), c.seed());
                Benchmark.writeLeaderboard(run, cfgs); // partial results are readable while the matrix fills
            }
            return null;
        });
        print(Benchmark.writeLeaderboard(run, cfgs));
        return 0;
    }

    /**
     * --cell K: the cell alone, with its own manifest in its folder; a lock beside the folder refuses a second process
     * on the same cell (a resubmission while the first still runs).
     */
    private void runOneCell(RunFolder run, Manifest manifest, Benchmark bench, BenchPlan layout,
            Map<String, ExperimentConfig> cfgs) {
        BenchPlan.PlanCell c = layout.cell(cell);
        layout.requireStoredIn(run);
        Path lockFile = run.path(c.dir()).resolveSibling("." + run.path(c.dir()).getFileName() + ".lock");
        FileLocks.Held held = FileLocks.tryLock(lockFile);
        if (held == null) {
            throw new TbarException("--cell " + cell + ": " + c + " is being run by another process (" + lockFile
                    + " is locked)");
        }
        try (held) {
            RunFolder.open(run.path(c.dir()), true).record(manifest, () -> {
                bench.runCell(c.dataset(), cfgs.get(c.dataset()), c.attack(), c.seed());
                return null;
            });
        }
    }

    private void checkModes() {
        long modes = java.util.stream.Stream.of(reportOnly, plan, cell != null, slurm).filter(b -> b).count();
        if (modes > 1) {
            throw new TbarException("--report-only, --plan, --cell and --slurm exclude one another; give one");
        }
        if (submit && !slurm) {
            throw new TbarException("--submit: only with --slurm");
        }
    }

    /** Writes the Slurm scripts for the unfinished cells and, with --submit, submits them. */
    private void schedule(RunFolder run, BenchPlan cells, Map<String, ExperimentConfig> bases, List<String> args) {
        var o = spec.commandLine().getOut();
        List<Integer> todo = cells.unfinished();
        if (todo.isEmpty()) {
            o.println("all " + cells.cells().size() + " cells are done: nothing to submit (--report-only rebuilds the"
                    + " leaderboard)");
            return;
        }
        SlurmConfig cfg = bases.values().iterator().next().slurm();
        List<String> rerun = new ArrayList<>(args);
        rerun.removeAll(List.of("--slurm", "--submit"));
        List<String> cell = new ArrayList<>(rerun);
        if (cfg.gpus() > 0 && rerun.stream().noneMatch(a -> a.startsWith(Devices.OPTION))) {
            cell.addAll(List.of(Devices.OPTION, "cuda")); // a cell given a GPU uses it
        }
        Launcher tbar = Launcher.current(Main.class.getName());
        List<String> report = withoutDevice(rerun); // the leaderboard job has no GPU and needs none
        report.add("--report-only");
        SlurmBatch.Scripts scripts = SlurmBatch.write(run, cfg, todo, tbar.with(cell), tbar.with(report),
                Path.of("").toAbsolutePath());
        o.println("Slurm: " + todo.size() + " of " + cells.cells().size() + " cells in " + scripts.array()
                + ", leaderboard in " + scripts.leaderboard());
        if (submit) {
            SlurmBatch.Submitted ids = SlurmBatch.submit(cfg, scripts);
            o.println("submitted: cells job " + ids.arrayJob() + ", leaderboard job " + ids.leaderboardJob());
        } else {
            o.println("submit with: " + scripts.submit());
        }
        o.flush();
    }

    private static List<String> withoutDevice(List<String> args) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals(Devices.OPTION)) {
                i++; // and its value
            } else if (!args.get(i).startsWith(Devices.OPTION + "=")) {
                out.add(args.get(i));
            }
        }
        return out;
    }

    private void printPlan(BenchPlan cells) {
        var o = spec.commandLine().getOut();
        o.printf("%4s %-8s %-15s %5s  %s%n", "cell", "dataset", "attack", "seed", "to run");
        for (BenchPlan.PlanCell c : cells.cells()) {
            o.printf("%4d %-8s %-15s %5d  %s%n", c.index(), c.dataset(), c.attack(), c.seed(),
                    c.done() ? "done" : String.join(", ", c.pending()));
        }
        o.printf("%d cells, %d unfinished; plan in %s%n", cells.cells().size(), cells.unfinished().size(),
                out.resolve(BenchPlan.FILE));
        o.flush();
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
