package dev.tbar.experiment;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tbar.TbarException;
import dev.tbar.report.Json;
import dev.tbar.report.RunFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * A benchmark's cells in the order a sequential run takes them (datasets, then attacks, then seeds), each with what it
 * still has to run. Cell K of a plan is what {@code tbar bench --cell K} runs, so schedulers can run the cells as
 * independent tasks; {@code plan.json} in the folder fixes the numbering every task reads.
 */
public record BenchPlan(List<PlanCell> cells) {
    public static final String FILE = "plan.json";

    /**
     * One cell; {@code pending} lists the defenses it still has to run (all while it has no backdoored model), or is
     * null where the plan did not look.
     */
    public record PlanCell(int index, String dataset, String attack, long seed, String dir,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<String> pending) {
        public boolean done() {
            return pending != null && pending.isEmpty();
        }

        boolean sameCell(PlanCell o) {
            return index == o.index && dataset.equals(o.dataset) && attack.equals(o.attack) && seed == o.seed;
        }

        @Override
        public String toString() {
            return "cell " + index + " (" + dataset + ", " + attack + ", seed " + seed + ")";
        }
    }

    public BenchPlan {
        cells = List.copyOf(cells);
    }

    /** The cells of datasets x attacks x seeds (repeated names count once), without looking at their files. */
    public static BenchPlan of(Collection<String> datasets, List<String> attacks, List<Long> seeds) {
        List<PlanCell> cells = new ArrayList<>();
        for (String dataset : new LinkedHashSet<>(datasets)) {
            for (String attack : new LinkedHashSet<>(attacks)) {
                for (long seed : new LinkedHashSet<>(seeds)) {
                    cells.add(new PlanCell(cells.size(), dataset, attack, seed,
                            Benchmark.cellDir(dataset, attack, seed), null));
                }
            }
        }
        return new BenchPlan(cells);
    }

    /** The plan with what each cell still has to run, read from the folder ({@code cfgs}: dataset -> settings). */
    public BenchPlan withPending(Benchmark bench, Map<String, ExperimentConfig> cfgs) {
        return new BenchPlan(cells.stream().map(c -> new PlanCell(c.index, c.dataset, c.attack, c.seed, c.dir,
                bench.pending(c.dataset, cfgs.get(c.dataset), c.attack, c.seed))).toList());
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
        for (int i = 0; i < Math.max(cells.size(), stored.cells.size()); i++) {
            PlanCell mine = i < cells.size() ? cells.get(i) : null;
            PlanCell theirs = i < stored.cells.size() ? stored.cells.get(i) : null;
            if (mine == null || theirs == null || !mine.sameCell(theirs)) {
                throw new TbarException("--cell: " + file + " numbers the cells otherwise than these --datasets,"
                        + " --attacks and --seeds: its cell " + i + " is " + (theirs == null ? "missing" : theirs)
                        + ", here it is " + (mine == null ? "missing" : mine) + "; rerun --plan with these options");
            }
        }
    }
}
