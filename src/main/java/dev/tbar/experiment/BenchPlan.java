package dev.tbar.experiment;

import dev.tbar.TbarException;
import dev.tbar.report.Json;
import dev.tbar.report.RunFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A benchmark's cells in the order a sequential run takes them (datasets, then attacks, then seeds), each with what it
 * still has to run. Cell K of a plan is what {@code tbar bench --cell K} runs, so schedulers can run the cells as
 * independent tasks; {@code plan.json} in the folder fixes the numbering every task reads.
 */
public record BenchPlan(List<PlanCell> cells) {
    public static final String FILE = "plan.json";

    /** One cell; {@code pending} lists the defenses it still has to run (all while it has no backdoored model). */
    public record PlanCell(int index, String dataset, String attack, long seed, String dir, List<String> pending) {
        public boolean done() {
            return pending.isEmpty();
        }

        boolean sameCell(PlanCell o) {
            return index == o.index && dataset.equals(o.dataset) && attack.equals(o.attack) && seed == o.seed;
        }
    }

    public BenchPlan {
        cells = List.copyOf(cells);
    }

    /** The plan of {@code bases} (dataset -> settings, clean bases already pointed at) x attacks x seeds. */
    public static BenchPlan of(Benchmark bench, Map<String, ExperimentConfig> bases, List<String> attacks,
            List<Long> seeds) {
        List<PlanCell> cells = new ArrayList<>();
        for (var e : bases.entrySet()) {
            for (String attack : attacks) {
                for (long seed : seeds) {
                    cells.add(new PlanCell(cells.size(), e.getKey(), attack, seed,
                            Benchmark.cellDir(e.getKey(), attack, seed),
                            bench.pending(e.getKey(), e.getValue(), attack, seed)));
                }
            }
        }
        return new BenchPlan(cells);
    }

    /** The indices of the cells not done yet. */
    public List<Integer> unfinished() {
        return cells.stream().filter(c -> !c.done()).map(PlanCell::index).toList();
    }

    /** Cell {@code k}, or an error naming the option and the valid range. */
    public PlanCell cell(int k) {
        if (k < 0 || k >= cells.size()) {
            throw new TbarException("--cell " + k + ": expected a cell index from 0 to " + (cells.size() - 1)
                    + " (this benchmark has " + cells.size() + " cells; see --plan)");
        }
        return cells.get(k);
    }

    public void write(RunFolder run) {
        run.writeJson(FILE, this);
    }

    /**
     * Checks that the folder's stored plan numbers the cells as this one does, so that cell K means the same cell to
     * every task; a folder without a plan, or with another one, is an error that says how to make it.
     */
    public void requireStoredIn(RunFolder run) {
        Path file = run.path(FILE);
        if (!Files.isRegularFile(file)) {
            throw new TbarException("--cell: " + file + " is missing; run tbar bench --plan (or --slurm) with the same"
                    + " options first, so that every task numbers the cells alike");
        }
        BenchPlan stored = Json.mapper().convertValue(Json.read(file), BenchPlan.class);
        boolean same = stored.cells.size() == cells.size();
        for (int i = 0; same && i < cells.size(); i++) {
            same = cells.get(i).sameCell(stored.cells.get(i));
        }
        if (!same) {
            throw new TbarException("--cell: " + file + " lists other cells (" + stored.cells.size() + ") than these"
                    + " --datasets, --attacks and --seeds (" + cells.size() + "); rerun --plan with these options");
        }
    }
}
