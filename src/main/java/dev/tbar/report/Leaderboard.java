package dev.tbar.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tbar.TbarException;
import dev.tbar.eval.Stats;
import dev.tbar.util.Errors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * The benchmark matrix as one page: every finished cell of a bench folder ({@value #CELLS}/dataset/attack/seed-N
 * with {@value #CELL_FILE} and one {@code defense-NAME.json} per defense) aggregated over seeds into mean +- 95% CI,
 * with the figures of TBAR's validation sweeps ({@link SweepFigures}). Built from the files alone, so it can be
 * regenerated at any time, also while a benchmark is still filling cells.
 */
public final class Leaderboard {
    public static final String CELLS = "cells";
    public static final String CELL_FILE = "cell.json";
    public static final String DEFENSE_PREFIX = "defense-";
    public static final String JSON_FILE = "leaderboard.json";

    /** One seed of one (dataset, attack): the backdoored model and each defense's test outcome, as stored. */
    public record Cell(String dataset, String attack, long seed, JsonNode cell, Map<String, JsonNode> defenses) {}

    /**
     * A row of the leaderboard: one model (never poisoned, backdoored or defended) of one (dataset, attack) over its
     * seeds. {@code ra}: robust accuracy; {@code der}: defense effectiveness rating; {@code regainedAsr}: test ASR
     * after a short retuning on a few poisoned images.
     */
    public record Row(String dataset, String attack, String model, Stats ca, Stats asr, Stats ra, Stats der,
            Stats regainedAsr, Stats caRetention, Stats imagesUsed, Stats seconds) {}

    /** The row of the model the benchmark started from, before the attack. */
    public static final String CLEAN_ROW = "never poisoned";

    private Leaderboard() {}

    /** Reads every cell under {@code benchDir}/cells; a cell without its cell.json (unfinished) is skipped. */
    public static List<Cell> read(Path benchDir) {
        Path root = benchDir.resolve(CELLS);
        List<Cell> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (Stream<Path> files = Files.find(root, 3, (p, a) -> a.isDirectory() && root.relativize(p).getNameCount() == 3)) {
            for (Path dir : files.sorted().toList()) {
                Path cellFile = dir.resolve(CELL_FILE);
                if (!Files.isRegularFile(cellFile)) {
                    continue;
                }
                JsonNode cell = Json.read(cellFile);
                Map<String, JsonNode> defenses = new TreeMap<>();
                try (Stream<Path> ds = Files.list(dir)) {
                    for (Path f : ds.sorted().toList()) {
                        String name = f.getFileName().toString();
                        if (name.startsWith(DEFENSE_PREFIX) && name.endsWith(".json")) {
                            defenses.put(name.substring(DEFENSE_PREFIX.length(), name.length() - 5), Json.read(f));
                        }
                    }
                }
                out.add(new Cell(Json.field(cell, "dataset").asText(), Json.field(cell, "attack").asText(),
                        Json.field(cell, "seed").asLong(), cell, defenses));
            }
        } catch (IOException | UncheckedIOException e) {
            throw new TbarException(root + ": cannot read benchmark cells: " + Errors.reason(e), e);
        }
        return out;
    }

    /**
     * Rows in (dataset, attack) order: the never-poisoned and backdoored models first, then each defense. Only
     * repetitions of one setting are pooled (equal {@code poolHash}); where seeds ran with different settings, each
     * setting gets its own rows, marked "[settings k]".
     */
    public static List<Row> rows(List<Cell> cells) {
        Map<String, Map<String, List<Cell>>> groups = new LinkedHashMap<>();
        for (Cell c : cells) {
            groups.computeIfAbsent(c.dataset() + "\u0000" + c.attack(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(Json.field(c.cell(), "poolHash").asText(""), k -> new ArrayList<>()).add(c);
        }
        List<Row> rows = new ArrayList<>();
        for (Map<String, List<Cell>> settings : groups.values()) {
            int k = 0;
            for (List<Cell> g : settings.values()) {
                rows.addAll(rows(g, settings.size() == 1 ? "" : " [settings " + ++k + "]"));
            }
        }
        return rows;
    }

    /** The rows of cells that share one implant setting; {@code mark} tells settings apart. */
    private static List<Row> rows(List<Cell> g, String mark) {
        List<Row> rows = new ArrayList<>();
        String dataset = g.get(0).dataset();
        String attack = g.get(0).attack() + mark;
        if (g.stream().anyMatch(c -> Json.field(c.cell(), "cleanRegainedAsr").isNumber())) {
            rows.add(new Row(dataset, attack, CLEAN_ROW,
                    stat(g, c -> number(c.cell(), "pretrained", "ca")),
                    stat(g, c -> number(c.cell(), "pretrained", "asr")),
                    stat(g, c -> number(c.cell(), "pretrained", "ra")), Stats.of(),
                    stat(g, c -> number(c.cell(), "cleanRegainedAsr")), Stats.of(), Stats.of(), Stats.of()));
        }
        rows.add(new Row(dataset, attack, "backdoored",
                stat(g, c -> number(c.cell(), "backdoored", "ca")),
                stat(g, c -> number(c.cell(), "backdoored", "asr")),
                stat(g, c -> number(c.cell(), "backdoored", "ra")), Stats.of(), Stats.of(),
                Stats.of(), Stats.of(), stat(g, c -> number(c.cell(), "implantSeconds"))));
        List<String> names = g.stream().flatMap(c -> c.defenses().keySet().stream()).distinct().sorted().toList();
        for (String name : names) {
            Map<String, List<JsonNode>> bySettings = new LinkedHashMap<>();
            g.stream().map(c -> c.defenses().get(name)).filter(r -> r != null).forEach(r -> bySettings
                    .computeIfAbsent(Json.field(r, "poolHash").asText(""), h -> new ArrayList<>()).add(r));
            int k = 0;
            for (List<JsonNode> rs : bySettings.values()) {
                rows.add(new Row(dataset, attack, bySettings.size() == 1 ? name : name + " [settings " + ++k + "]",
                        statOf(rs, r -> number(r, "test", "ca")),
                        statOf(rs, r -> number(r, "test", "asr")),
                        statOf(rs, r -> number(r, "test", "ra")),
                        statOf(rs, r -> number(r, "der")),
                        statOf(rs, r -> number(r, "regainedAsr")),
                        statOf(rs, r -> number(r, "caRetention")),
                        statOf(rs, r -> number(r, "imagesUsed")),
                        statOf(rs, r -> number(r, "seconds"))));
            }
        }
        return rows;
    }

    /** The number at {@code keys} below {@code node} (old snake_case spellings accepted), NaN if absent. */
    static double number(JsonNode node, String... keys) {
        for (String k : keys) {
            node = Json.field(node, k);
        }
        return node.asDouble(Double.NaN);
    }

    /** The values over cells, those a cell did not record (NaN, e.g. written before the metric existed) left out. */
    private static Stats stat(List<Cell> cells, ToDoubleFunction<Cell> f) {
        return Stats.of(cells.stream().mapToDouble(f).filter(v -> !Double.isNaN(v)).toArray());
    }

    private static Stats statOf(List<JsonNode> nodes, ToDoubleFunction<JsonNode> f) {
        return Stats.of(nodes.stream().mapToDouble(f).filter(v -> !Double.isNaN(v)).toArray());
    }

    /** Writes report.md/html and leaderboard.json into the bench folder; returns the rows. */
    public static List<Row> write(RunFolder run, String title, Map<String, ?> setup) {
        List<Cell> cells = read(run.dir());
        List<Row> rows = rows(cells);
        Report rep = new Report(title);
        rep.keyValues(setup);
        rep.paragraph("Test-split numbers, mean +- 95% confidence half-width (Student t over seeds; no interval for"
                + " a single seed). CA retention = defended CA / backdoored CA of the same seed. RA: robust accuracy,"
                + " triggered non-target images classified as their true class. DER: BackdoorBench's defense"
                + " effectiveness rating, (max(0, ASR drop) - max(0, CA drop) + 1) / 2. Regained ASR: test ASR after a"
                + " short retuning on a few poisoned images (post-purification robustness); on the '" + CLEAN_ROW
                + "' row, what the same retuning teaches the model before the attack. Every choice a defense makes"
                + " (alpha, pruning, thresholds) uses the defender's validation split only.");
        List<List<String>> table = new ArrayList<>();
        for (Row r : rows) {
            table.add(List.of(r.dataset(), r.attack(), r.model(), pct(r.ca()), pct(r.asr()), pct(r.ra()),
                    r.der().n() == 0 ? "" : meanCi(r.der(), 1, 3), pct(r.regainedAsr()),
                    r.caRetention().n() == 0 ? "" : meanCi(r.caRetention(), 1, 1) + "%",
                    r.imagesUsed().n() == 0 ? "" : Format.fixed(r.imagesUsed().mean(), 0),
                    r.seconds().n() == 0 ? "" : Format.duration(r.seconds().mean()),
                    Integer.toString(Math.max(r.ca().n(), r.asr().n()))));
        }
        rep.heading(2, "Leaderboard").table(List.of("dataset", "attack", "model", "CA %", "ASR %", "RA %", "DER",
                "regained ASR %", "CA retention", "images", "time", "seeds"), table);
        summary(rep, rows);
        SweepFigures.write(run, rep, cells);
        run.writeJson(JSON_FILE, Map.of("rows", rows, "cells", cells.size()));
        rep.writeTo(run);
        return rows;
    }

    /** Per defense, averaged over every (dataset, attack): the one-line answer to "which defense wins". */
    private static void summary(Report rep, List<Row> rows) {
        Map<String, List<Row>> byModel = new TreeMap<>();
        rows.stream().filter(r -> !r.model().equals("backdoored") && !r.model().equals(CLEAN_ROW))
                .forEach(r -> byModel.computeIfAbsent(r.model(), k -> new ArrayList<>()).add(r));
        if (byModel.isEmpty()) {
            return;
        }
        List<List<String>> t = new ArrayList<>();
        byModel.forEach((m, rs) -> t.add(List.of(m, Integer.toString(rs.size()),
                Format.fixed(100 * mean(rs, r -> r.asr().mean()), 2),
                Format.fixed(mean(rs, r -> r.caRetention().mean()), 2),
                Format.fixed(mean(rs, r -> r.der().mean()), 3),
                Format.fixed(100 * mean(rs, r -> r.regainedAsr().mean()), 2),
                Format.fixed(100 * rs.stream().filter(r -> r.asr().mean() <= 0.02).count() / (double) rs.size(), 0)
                        + "%")));
        rep.heading(2, "Defenses over all attacks").table(List.of("defense", "attack cells", "mean ASR %",
                "mean CA retention %", "mean DER", "mean regained ASR %", "cells with ASR <= 2%"), t);
    }

    private static double mean(List<Row> rows, ToDoubleFunction<Row> f) {
        return rows.stream().mapToDouble(f).filter(v -> !Double.isNaN(v)).average().orElse(Double.NaN);
    }

    private static String pct(Stats s) {
        return s.n() == 0 ? Format.MISSING : meanCi(s, 100, 2);
    }

    /** "mean +- 95% half-width" of {@code scale} times the values, the mean alone without an interval, "" if none. */
    public static String meanCi(Stats s, double scale, int decimals) {
        if (s.n() == 0) {
            return "";
        }
        String m = Format.fixed(scale * s.mean(), decimals);
        return Double.isNaN(s.ci95()) ? m : m + " +- " + Format.fixed(scale * s.ci95(), decimals);
    }
}
