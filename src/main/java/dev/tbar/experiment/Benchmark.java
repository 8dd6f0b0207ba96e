package dev.tbar.experiment;

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
import dev.tbar.util.Errors;
import dev.tbar.util.FileLocks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The benchmark matrix's cells: each implants the backdoor into the pretrained model and runs every configured defense
 * on the same defender data. A cell's backdoored weights and each defense's result are files keyed by the settings
 * that produced them, so an interrupted or extended benchmark resumes with only what is missing or changed.
 */
public final class Benchmark {
    private static final Logger LOG = LoggerFactory.getLogger(Benchmark.class);
    public static final String BACKDOORED_FILE = "backdoored.safetensors";

    /**
     * A dataset's benchmark settings (--config and --set apply on top) and, when it has no public pretrained model,
     * the overrides that train a clean base once per benchmark folder.
     */
    public record DatasetBench(Supplier<ExperimentConfig> settings, List<String> pretrain) {}

    public static final Map<String, DatasetBench> DATASETS = Map.of(
            "cifar10", new DatasetBench(Presets::cifarBench, List.of()),
            "gtsrb", new DatasetBench(Presets::gtsrbBench, Presets.gtsrbPretrain()));

    /** Where the folder keeps the clean base models it trained. */
    private static final String BASES = "bases";

    /** Where a cell keeps results that other settings produced. */
    public static final String STALE = "stale";

    /**
     * What a cell stores about its backdoored model; {@code cleanRegainedAsr} is the test ASR that the retuning
     * teaches the model before the attack (the reference for every defense's regained ASR); {@code settingsHash} is
     * the implant's (see implantHash), {@code poolHash} the same without the seed (the leaderboard pools only equal
     * ones), {@code retuneHash} the retuning's that measured {@code cleanRegainedAsr}.
     */
    public record Cell(String dataset, String attack, long seed, Metrics pretrained, Metrics backdoored,
            double implantImagesPerSecond, double implantSeconds, int poisonedSetSize, double cleanRegainedAsr,
            String settingsHash, String poolHash, String retuneHash) {
        Cell withCleanRegainedAsr(double asr, String retune) {
            return new Cell(dataset, attack, seed, pretrained, backdoored, implantImagesPerSecond, implantSeconds,
                    poisonedSetSize, asr, settingsHash, poolHash, retune);
        }
    }

    private final RunFolder run;
    private final Manifest manifest;
    private final double triggerFraction;

    /** @param triggerFraction defender images given to each defense, as a share of the poisoned training set */
    public Benchmark(RunFolder run, Manifest manifest, double triggerFraction) {
        this.run = run;
        this.manifest = manifest;
        this.triggerFraction = triggerFraction;
    }

    public static String cellDir(String dataset, String attack, long seed) {
        return Leaderboard.CELLS + "/" + dataset + "/" + attack + "/seed-" + seed;
    }

    /** The settings of one cell: {@code base} with the attack preset and the master seed. */
    public static ExperimentConfig cellConfig(ExperimentConfig base, String attack, long seed) {
        return Configs.load(ExperimentConfig.class, base, null,
                List.of("attack.preset=" + attack, "attack.name=", "seed=" + seed));
    }

    /**
     * What a cell still has to run, read from its files and changing nothing: the defenses without a result from the
     * current settings (all of them when the cell has no backdoored model from these settings), {@code [retune]} when
     * only the never-poisoned reference must be retuned, or an empty list when the cell is done.
     */
    public List<String> pending(String dataset, ExperimentConfig base, String attack, long seed) {
        State s = state(cellDir(dataset, attack, seed), cellConfig(base, attack, seed));
        return s.todo().isEmpty() && s.retuneStale() ? List.of("retune") : s.todo();
    }

    /**
     * A cell's files against the current settings: the stored cell if it came from them ({@code storedElsewhere}
     * when one came from other settings), the defenses to run, and whether the retuning reference is stale.
     */
    private record State(Cell stored, boolean storedElsewhere, List<String> todo, boolean retuneStale) {}

    private State state(String dir, ExperimentConfig cfg) {
        Path cellFile = run.path(dir + "/" + Leaderboard.CELL_FILE);
        Cell stored = Files.isRegularFile(cellFile) && Files.isRegularFile(run.path(dir + "/" + BACKDOORED_FILE))
                ? Json.mapper().convertValue(Json.read(cellFile), Cell.class) : null;
        if (stored == null || !cfg.implantHash().equals(stored.settingsHash())) {
            return new State(null, stored != null, cfg.defenses(), false);
        }
        return new State(stored, false, pendingDefenses(cfg, run.path(dir), budget(cfg, stored)),
                !cfg.retuneHash().equals(stored.retuneHash()));
    }

    /**
     * Runs one cell into its folder: trains the dataset's clean base first if the cell needs it, implants (or reuses
     * a stored backdoored model of the same settings) and runs every defense of {@code base} that has no result from
     * the same settings.
     */
    public void runCell(String dataset, ExperimentConfig base, String attack, long seed) {
        prepare(dataset, base);
        String dir = cellDir(dataset, attack, seed);
        ExperimentConfig cfg = cellConfig(base, attack, seed);
        Path bdFile = run.path(dir + "/" + BACKDOORED_FILE);
        State state = state(dir, cfg);
        if (state.storedElsewhere()) {
            LOG.warn("{}: the stored backdoored model came from other settings; its cell is moved to {}/ and rerun",
                    dir, STALE);
            moveStale(run.path(dir));
        }
        List<String> todo = state.todo();
        for (String d : state.stored() == null ? List.<String>of() : todo) {
            Path f = run.path(dir + "/" + Leaderboard.DEFENSE_PREFIX + d + ".json");
            if (Files.isRegularFile(f)) { // never shown under the name it no longer describes
                LOG.warn("{}: stored with other settings; moved to {}/ and rerun", f, STALE);
                moveToStale(f);
            }
        }
        boolean retuneStale = state.retuneStale();
        if (todo.isEmpty() && !retuneStale) {
            LOG.info("{}: done, kept", dir);
            return;
        }
        try (Experiment ex = new Experiment(cfg, manifest)) {
            ex.checkDefenses(todo);
            Cell cell = state.stored();
            StateDict bd;
            if (cell != null) {
                LOG.info("{}: reusing the stored backdoored model for {}", dir, todo);
                bd = ex.source().load(bdFile, ex.manager());
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
                            fit[0].seconds(), ex.attackerSet().size(), cleanRegained, cfg.implantHash(),
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

    /** The defenses of {@code cfg} without a stored result from these very settings. */
    private static List<String> pendingDefenses(ExperimentConfig cfg, Path cellDir, DefenseSettings settings) {
        List<String> todo = new ArrayList<>();
        for (String d : cfg.defenses()) {
            Path f = cellDir.resolve(Leaderboard.DEFENSE_PREFIX + d + ".json");
            if (!Files.isRegularFile(f)
                    || !cfg.defenseHash(d, settings).equals(Json.read(f).path("settingsHash").asText())) {
                todo.add(d);
            }
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
            throw new TbarException(cellDir + ": cannot move stale results aside: " + Errors.reason(e), e);
        }
    }

    private static void moveToStale(Path file) {
        try {
            Path dir = Files.createDirectories(file.resolveSibling(STALE));
            Files.move(file, dir.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new TbarException(file + ": cannot move a stale result aside: " + Errors.reason(e), e);
        }
    }

    /**
     * The settings per dataset as its cells run: a dataset without pretrained weights that has pretraining overrides
     * points at the folder's clean base, which {@link #prepare} trains.
     */
    public static Map<String, ExperimentConfig> withBases(RunFolder run, Map<String, ExperimentConfig> bases) {
        Map<String, ExperimentConfig> out = new LinkedHashMap<>(bases);
        out.replaceAll((dataset, cfg) -> {
            String weights = cfg.model().weights();
            return (weights == null || weights.isBlank()) && !DATASETS.get(dataset).pretrain().isEmpty()
                    ? Configs.load(ExperimentConfig.class, cfg, null, List.of("model.weights=" + baseFile(run,
                            dataset)))
                    : cfg;
        });
        return out;
    }

    private static Path baseFile(RunFolder run, String dataset) {
        return run.path(BASES + "/" + dataset + ".safetensors");
    }

    /**
     * Trains {@code dataset}'s clean base (once, then reused) when {@code cfg} (from {@link #withBases}) points at it
     * and it is missing. Cells that run in parallel processes wait for one another on a lock file, so one trains.
     */
    private void prepare(String dataset, ExperimentConfig cfg) {
        Path file = baseFile(run, dataset);
        if (!file.toString().equals(cfg.model().weights()) || Files.isRegularFile(file)) {
            return;
        }
        try (FileLocks.Held lock = FileLocks.lock(run.path(BASES + "/." + dataset + ".lock"))) {
            if (!Files.isRegularFile(file)) {
                List<String> pretrain = new ArrayList<>(List.of("model.weights="));
                pretrain.addAll(DATASETS.get(dataset).pretrain());
                LOG.info("{}: training the clean base model once ({})", dataset, pretrain);
                ExperimentConfig clean = Configs.load(ExperimentConfig.class, cfg, null, pretrain);
                Experiment.CleanBase b = Experiment.trainCleanBase(clean, manifest, file, dataset);
                run.writeJson(BASES + "/" + dataset + ".json", Map.of("dataset", dataset, "test", b.test(),
                        "training", b.training(), "overrides", pretrain));
            }
        }
    }

    /** Rebuilds the leaderboard of {@code run} from its files; {@code bases} describe the settings in its setup. */
    public static List<Leaderboard.Row> writeLeaderboard(RunFolder run, Map<String, ExperimentConfig> bases) {
        Map<String, Object> setup = new LinkedHashMap<>();
        bases.forEach((name, cfg) -> setup.put(name, cfg.model().name() + " from " + cfg.model().weights() + "; data "
                + cfg.data().path() + "; implant " + cfg.implant().epochs() + " epochs, lr " + cfg.implant().lr()
                + "; attacker images " + cfg.split().attackerLimit() + ", test images " + cfg.split().testLimit()));
        return Leaderboard.write(run, "tbar benchmark leaderboard", setup);
    }
}
