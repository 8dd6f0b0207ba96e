package dev.tbar.cli;

import dev.tbar.TbarException;
import dev.tbar.config.Configs;
import dev.tbar.eval.DefenseResult;
import dev.tbar.eval.Metrics;
import dev.tbar.model.StateDict;
import dev.tbar.report.Json;
import dev.tbar.report.Leaderboard;
import dev.tbar.report.Manifest;
import dev.tbar.report.RunFolder;
import dev.tbar.train.TrainResult;
import dev.tbar.unlearn.DefenseSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The benchmark matrix: datasets x attacks x seeds, each cell implanting the backdoor into the pretrained model and
 * running every configured defense on the same defender data. A cell's backdoored weights and each defense's result
 * are files, so an interrupted or extended benchmark resumes: finished results are kept, a stored backdoored model is
 * reused, and only what is missing runs. The leaderboard (report.md/html, leaderboard.json) is rebuilt from the files.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Attack x defense x seed benchmark on real data (e.g. CIFAR-10 with a pretrained ResNet-56);"
                + " resumable, with a leaderboard of mean and 95% CI.")
class BenchCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(BenchCommand.class);
    static final String BACKDOORED_FILE = "backdoored.safetensors";
    /**
     * A dataset's benchmark settings (--config and --set apply on top) and, when it has no public pretrained model,
     * the overrides that train a clean base once per benchmark folder.
     */
    record DatasetBench(Supplier<ExperimentConfig> settings, List<String> pretrain) {}

    static final Map<String, DatasetBench> DATASETS = Map.of(
            "cifar10", new DatasetBench(Presets::cifarBench, List.of()),
            "gtsrb", new DatasetBench(Presets::gtsrbBench, Presets.gtsrbPretrain()));

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

    /** Where a cell keeps results that other settings produced. */
    static final String STALE = "stale";

    /**
     * What a cell stores about its backdoored model; {@code cleanRegainedAsr} is the test ASR that the retuning
     * teaches the model before the attack (the reference for every defense's regained ASR); {@code settingsHash} is
     * the implant's (see implantHash).
     */
    record Cell(String dataset, String attack, long seed, Metrics pretrained, Metrics backdoored,
            double implantImagesPerSecond, double implantSeconds, int poisonedSetSize, double cleanRegainedAsr,
            String settingsHash, String poolHash, String retuneHash) {
        Cell withCleanRegainedAsr(double asr, String retune) {
            return new Cell(dataset, attack, seed, pretrained, backdoored, implantImagesPerSecond, implantSeconds,
                    poisonedSetSize, asr, settingsHash, poolHash, retune);
        }
    }

    @Override
    public Integer call() {
        Map<String, ExperimentConfig> bases = new LinkedHashMap<>();
        for (String d : datasets) {
            DatasetBench preset = DATASETS.get(d);
            if (preset == null) {
                throw new TbarException("--datasets: unknown dataset '" + d + "'; known: " + DATASETS.keySet());
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
            print(writeLeaderboard(run, bases));
            return 0;
        }
        Manifest manifest = Manifest.start("bench", spec.commandLine().getParseResult().originalArgs());
        manifest.config(bases);
        run.record(manifest, () -> {
            for (var e : bases.entrySet()) {
                List<String> pretrain = DATASETS.get(e.getKey()).pretrain();
                String weights = e.getValue().model().weights();
                if ((weights == null || weights.isBlank()) && !pretrain.isEmpty()) {
                    e.setValue(withCleanBase(e.getKey(), e.getValue(), pretrain, run, manifest));
                }
                for (String attack : attacks) {
                    for (long seed : seeds) {
                        runCell(e.getKey(), e.getValue(), attack, seed, run, manifest);
                        writeLeaderboard(run, bases); // partial results are readable while the matrix fills
                    }
                }
            }
            return null;
        });
        print(writeLeaderboard(run, bases));
        return 0;
    }

    static String cellDir(String dataset, String attack, long seed) {
        return Leaderboard.CELLS + "/" + dataset + "/" + attack + "/seed-" + seed;
    }

    private void runCell(String dataset, ExperimentConfig base, String attack, long seed, RunFolder run,
            Manifest manifest) {
        String dir = cellDir(dataset, attack, seed);
        ExperimentConfig cfg = Configs.load(ExperimentConfig.class, base, null,
                List.of("attack.preset=" + attack, "attack.name=", "seed=" + seed));
        Path cellFile = run.path(dir + "/" + Leaderboard.CELL_FILE);
        Path bdFile = run.path(dir + "/" + BACKDOORED_FILE);
        Cell stored = Files.isRegularFile(cellFile) && Files.isRegularFile(bdFile)
                ? Json.mapper().convertValue(Json.read(cellFile), Cell.class) : null;
        if (stored != null && !cfg.implantHash().equals(stored.settingsHash())) {
            LOG.warn("{}: the stored backdoored model came from other settings; its cell is moved to {}/ and rerun",
                    dir, STALE);
            moveStale(run.path(dir));
            stored = null;
        }
        List<String> todo = stored == null ? cfg.defenses() : missing(cfg, run.path(dir), budget(cfg, stored));
        boolean retuneStale = stored != null && !cfg.retuneHash().equals(stored.retuneHash());
        if (todo.isEmpty() && !retuneStale) {
            LOG.info("{}: done, kept", dir);
            return;
        }
        try (Experiment ex = new Experiment(cfg, manifest)) {
            Cell cell = stored;
            StateDict bd;
            if (cell != null) {
                LOG.info("{}: reusing the stored backdoored model for {}", dir, todo);
                bd = ex.source.load(bdFile, ex.manager);
                if (retuneStale) { // the never-poisoned reference must be retuned as the defenses now are
                    try (StateDict clean = ex.baseWeights()) {
                        cell = cell.withCleanRegainedAsr(ex.retuned(clean), cfg.retuneHash());
                    }
                    run.writeJson(dir + "/" + Leaderboard.CELL_FILE, cell);
                }
            } else {
                try (StateDict w = ex.baseWeights()) {
                    Metrics pre = ex.evaluate(w);
                    double cleanRegained = ex.retuned(w);
                    TrainResult[] fit = new TrainResult[1];
                    bd = ex.implant(w, null, fit);
                    cell = new Cell(dataset, attack, seed, pre, ex.evaluate(bd), fit[0].imagesPerSecond(),
                            fit[0].seconds(), ex.attackerSet.size(), cleanRegained, cfg.implantHash(),
                            cfg.poolHash(), cfg.retuneHash());
                }
                ex.save(bd, bdFile, Map.of("attack", attack, "seed", Long.toString(seed)));
                run.writeJson(dir + "/" + Leaderboard.CELL_FILE, cell); // last: its presence marks the cell implanted
            }
            try (bd) {
                DefenseSettings defenses = budget(cfg, cell);
                for (String d : todo) {
                    DefenseResult r = ex.defend(d, defenses, bd, cell.backdoored(), null);
                    run.writeJson(dir + "/" + Leaderboard.DEFENSE_PREFIX + d + ".json", r);
                }
            }
        }
    }

    /** Every defense gets the same number of defender images: a fixed share of the poisoned set. */
    private DefenseSettings budget(ExperimentConfig cfg, Cell cell) {
        return cfg.defenseSettings().withImageBudget((int) Math.round(triggerFraction * cell.poisonedSetSize()));
    }

    /**
     * The defenses of {@code cfg} without a stored result from these very settings; a result from other settings is
     * moved to the cell's stale folder, so it is never shown under the name it no longer describes.
     */
    private static List<String> missing(ExperimentConfig cfg, Path cellDir, DefenseSettings settings) {
        List<String> todo = new ArrayList<>();
        for (String d : cfg.defenses()) {
            Path f = cellDir.resolve(Leaderboard.DEFENSE_PREFIX + d + ".json");
            if (Files.isRegularFile(f)) {
                if (cfg.defenseHash(d, settings).equals(Json.read(f).path("settingsHash").asText())) {
                    continue;
                }
                LOG.warn("{}: stored with other settings; moved to {}/ and rerun", f, STALE);
                moveToStale(f);
            }
            todo.add(d);
        }
        return todo;
    }

    /** Moves every file of a cell into its stale folder (replacing older stale copies). */
    private static void moveStale(Path cellDir) {
        try (var files = Files.list(cellDir)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                moveToStale(f);
            }
        } catch (IOException e) {
            throw new TbarException(cellDir + ": cannot move stale results aside: " + e.getMessage(), e);
        }
    }

    private static void moveToStale(Path file) {
        try {
            Path dir = Files.createDirectories(file.resolveSibling(STALE));
            Files.move(file, dir.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new TbarException(file + ": cannot move a stale result aside: " + e.getMessage(), e);
        }
    }

    /** The settings with model.weights pointing at a clean base trained (once, then reused) in the folder. */
    private static ExperimentConfig withCleanBase(String dataset, ExperimentConfig cfg, List<String> pretrain,
            RunFolder run, Manifest manifest) {
        Path file = run.path("bases/" + dataset + ".safetensors");
        if (!Files.isRegularFile(file)) {
            LOG.info("{}: training the clean base model once ({})", dataset, pretrain);
            ExperimentConfig clean = Configs.load(ExperimentConfig.class, cfg, null, pretrain);
            try (Experiment ex = new Experiment(clean, manifest); StateDict init = ex.baseWeights()) {
                TrainResult[] fit = new TrainResult[1];
                try (StateDict base = ex.implant(init, null, fit)) {
                    Metrics m = ex.evaluate(base);
                    LOG.info("{}: clean base CA {}", dataset, Experiment.pct(m.ca()));
                    run.writeJson("bases/" + dataset + ".json", Map.of("dataset", dataset, "test", m,
                            "training", fit[0], "overrides", pretrain));
                    ex.save(base, file, Map.of("base", dataset));
                }
            }
        }
        return Configs.load(ExperimentConfig.class, cfg, null, List.of("model.weights=" + file));
    }

    private static List<Leaderboard.Row> writeLeaderboard(RunFolder run, Map<String, ExperimentConfig> bases) {
        Map<String, Object> setup = new LinkedHashMap<>();
        bases.forEach((name, cfg) -> setup.put(name, cfg.model().name() + " from " + cfg.model().weights() + "; data "
                + cfg.data().path() + "; implant " + cfg.implant().epochs() + " epochs, lr " + cfg.implant().lr()
                + "; attacker images " + cfg.split().attackerLimit() + ", test images " + cfg.split().testLimit()));
        return Leaderboard.write(run, "tbar benchmark leaderboard", setup);
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
                    r.seconds().n() == 0 ? "" : dev.tbar.report.Format.duration(r.seconds().mean()), r.ca().n());
        }
        o.flush();
    }
}
