package dev.tbar.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tbar.report.Leaderboard.Cell;
import dev.tbar.unlearn.DetailKeys;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The leaderboard's view of TBAR's alpha sweeps, all on the validation split: CA and ASR against alpha per seed, the
 * CA-vs-ASR trade-off of every TBAR variant against the default {@code tbar}, and the variants' validation scores, which are what a
 * default may be chosen by (test numbers are reported, never used to choose).
 */
final class SweepFigures {
    /** The reference every variant is compared with: TBAR with the default settings. */
    private static final String REFERENCE = "tbar";

    private SweepFigures() {}

    /** One defense's recorded sweep in one cell, sorted by alpha. */
    record Sweep(double[] alpha, double[] ca, double[] asr) {}

    static void write(RunFolder run, Report rep, List<Cell> cells) {
        alphaCurves(run, rep, cells);
        tradeoffs(run, rep, cells);
        validationScores(rep, cells);
    }

    /** Validation CA and ASR against alpha, every seed of each (dataset, attack, defense). */
    private static void alphaCurves(RunFolder run, Report rep, List<Cell> cells) {
        Map<String, LinkedHashMap<String, double[][]>> plots = new LinkedHashMap<>();
        for (Cell c : cells) {
            c.defenses().forEach((name, result) -> {
                Sweep s = sweep(result);
                if (s != null) {
                    var series = plots.computeIfAbsent(c.dataset() + "/" + c.attack() + "/" + name,
                            k -> new LinkedHashMap<>());
                    series.put("CA seed " + c.seed(), new double[][] {s.alpha(), percent(s.ca())});
                    series.put("ASR seed " + c.seed(), new double[][] {s.alpha(), percent(s.asr())});
                }
            });
        }
        if (plots.isEmpty()) {
            return;
        }
        rep.heading(2, "Alpha sensitivity (validation split)");
        plots.forEach((key, series) -> {
            String file = "plots/alpha-" + slug(key) + ".png";
            Plots.lines(run.path(file), key + ": CA and ASR vs alpha", "alpha", "%", series);
            rep.figure(file, key + ": validation CA and ASR of theta_bd - alpha * tau, per seed");
        });
    }

    /**
     * Per (dataset, attack): validation CA against validation ASR along alpha, one line per TBAR variant, averaged
     * over its seeds at the alphas every seed tried. Defenses that measured ASR on an inverted trigger are left out:
     * their ASR is not the same quantity.
     */
    private static void tradeoffs(RunFolder run, Report rep, List<Cell> cells) {
        Map<String, Map<String, List<Sweep>>> groups = new TreeMap<>();
        for (Cell c : cells) {
            c.defenses().forEach((name, result) -> {
                Sweep s = sweep(result);
                if (s != null && Json.field(Json.field(result, "details"), DetailKeys.INVERSION).isMissingNode()) {
                    groups.computeIfAbsent(c.dataset() + "/" + c.attack(), k -> new TreeMap<>())
                            .computeIfAbsent(name, k -> new ArrayList<>()).add(s);
                }
            });
        }
        groups.values().removeIf(g -> g.size() < 2);
        if (groups.isEmpty()) {
            return;
        }
        rep.heading(2, "TBAR variants: CA vs ASR (validation split)");
        groups.forEach((key, byVariant) -> {
            LinkedHashMap<String, double[][]> series = new LinkedHashMap<>();
            byVariant.forEach((name, sweeps) -> {
                double[][] mean = meanOverSeeds(sweeps);
                if (mean != null) {
                    series.put(name + " (" + sweeps.size() + " seeds)", new double[][] {mean[1], mean[0]});
                }
            });
            if (series.size() < 2) {
                return;
            }
            String file = "plots/tradeoff-" + slug(key) + ".png";
            Plots.lines(run.path(file), key + ": CA vs ASR along alpha", "validation ASR %", "validation CA %",
                    series);
            rep.figure(file, key + ": each point one alpha (mean over seeds); up and to the left is better");
        });
    }

    /**
     * Each TBAR variant against {@code tbar} on the cells both ran, at the alpha each chose under its CA floor: mean
     * validation ASR and CA (as a share of theta_bd's) and how many cells the variant's ASR was lower. The default
     * TBAR setting may only change on these numbers.
     */
    private static void validationScores(Report rep, List<Cell> cells) {
        Map<String, List<double[]>> paired = new TreeMap<>(); // per variant: {asr, caShare, reference asr}
        for (Cell c : cells) {
            double[] ref = validation(c.defenses().get(REFERENCE));
            if (ref == null) {
                continue;
            }
            c.defenses().forEach((name, result) -> {
                double[] v = validation(result);
                if (!name.equals(REFERENCE) && v != null) {
                    paired.computeIfAbsent(name, k -> new ArrayList<>()).add(new double[] {v[0], v[1], ref[0]});
                }
            });
        }
        if (paired.isEmpty()) {
            return;
        }
        List<List<String>> t = new ArrayList<>();
        paired.forEach((name, v) -> t.add(List.of(name, Integer.toString(v.size()),
                Format.fixed(100 * mean(v, 0), 2), Format.fixed(100 * mean(v, 2), 2), Format.fixed(100 * mean(v, 1), 1),
                v.stream().filter(x -> x[0] < x[2]).count() + " / " + v.size())));
        rep.heading(2, "TBAR variants against tbar (validation split)").paragraph("On the cells where both ran,"
                + " at the alpha each run chose under its CA floor. Only these numbers may change the default.")
                .table(List.of("variant", "cells", "validation ASR %", "tbar validation ASR %",
                        "validation CA retention %", "cells with lower ASR"), t);
    }

    /** {validation ASR, validation CA / theta_bd's} at the chosen alpha; null if absent or on an inverted trigger. */
    private static double[] validation(JsonNode result) {
        if (result == null) {
            return null;
        }
        JsonNode details = Json.field(result, "details");
        double asr = Leaderboard.number(details, DetailKeys.VALIDATION, "asr");
        double ca = Leaderboard.number(details, DetailKeys.VALIDATION, "ca");
        double base = Leaderboard.number(details, DetailKeys.VALIDATION_BASE_CA);
        boolean inverted = !Json.field(details, DetailKeys.INVERSION).isMissingNode();
        return Double.isNaN(asr) || Double.isNaN(ca) || !(base > 0) || inverted ? null : new double[] {asr, ca / base};
    }

    private static double mean(List<double[]> rows, int column) {
        return rows.stream().mapToDouble(x -> x[column]).average().orElse(Double.NaN);
    }

    /** {ca, asr} averaged over seeds at the alphas all of them tried, or null if they share none. */
    static double[][] meanOverSeeds(List<Sweep> sweeps) {
        TreeSet<Double> common = new TreeSet<>();
        for (double a : sweeps.get(0).alpha()) {
            common.add(a);
        }
        for (Sweep s : sweeps.subList(1, sweeps.size())) {
            TreeSet<Double> here = new TreeSet<>();
            for (double a : s.alpha()) {
                here.add(a);
            }
            common.retainAll(here);
        }
        if (common.isEmpty()) {
            return null;
        }
        double[] ca = new double[common.size()];
        double[] asr = new double[common.size()];
        for (Sweep s : sweeps) {
            int i = 0;
            for (double a : common) {
                int j = java.util.Arrays.binarySearch(s.alpha(), a);
                ca[i] += 100 * s.ca()[j] / sweeps.size();
                asr[i++] += 100 * s.asr()[j] / sweeps.size();
            }
        }
        return new double[][] {ca, asr};
    }

    /** The alpha sweep of a defense result, or null when it has none (e.g. fine-pruning sweeps pruning ratios). */
    private static Sweep sweep(JsonNode result) {
        JsonNode sweep = Json.field(Json.field(result, "details"), DetailKeys.SWEEP);
        if (!sweep.isArray() || sweep.isEmpty() || !sweep.get(0).has(DetailKeys.ALPHA)) {
            return null;
        }
        List<JsonNode> pts = new ArrayList<>();
        sweep.forEach(pts::add);
        pts.sort((a, b) -> Double.compare(alpha(a), alpha(b)));
        // a grid extension may repeat an alpha: keep the first
        List<JsonNode> unique = new ArrayList<>();
        for (JsonNode p : pts) {
            if (unique.isEmpty() || alpha(unique.get(unique.size() - 1)) != alpha(p)) {
                unique.add(p);
            }
        }
        return new Sweep(unique.stream().mapToDouble(SweepFigures::alpha).toArray(),
                unique.stream().mapToDouble(p -> Leaderboard.number(p, "ca")).toArray(),
                unique.stream().mapToDouble(p -> Leaderboard.number(p, "asr")).toArray());
    }

    private static double alpha(JsonNode point) {
        return Leaderboard.number(point, DetailKeys.ALPHA);
    }

    private static double[] percent(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = 100 * v[i];
        }
        return out;
    }

    private static String slug(String key) {
        return key.replaceAll("[^A-Za-z0-9._-]+", "-");
    }
}
