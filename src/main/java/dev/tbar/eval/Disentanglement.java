package dev.tbar.eval;

import dev.tbar.TbarException;
import dev.tbar.data.DecodedDataset;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import dev.tbar.taskvector.TaskVector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Weight disentanglement of a clean task vector tau_c and a trigger vector tau_t around a base theta0 (Ortiz-Jimenez
 * et al. 2023, with prediction disagreement as the distance):
 *
 * <pre>
 * xi(a_c, a_t) = E_clean[ pred(theta0 + a_c tau_c + a_t tau_t) != pred(theta0 + a_c tau_c) ]
 *              + E_triggered[ pred(theta0 + a_c tau_c + a_t tau_t) != pred(theta0 + a_t tau_t) ]
 * </pre>
 *
 * <p>0 means each vector acts only on its own inputs, which is what lets TBAR subtract the trigger without touching
 * the clean task; the maximum is 2. Buffers (BatchNorm statistics) stay theta0's in every model, as in
 * {@link TaskVector#applyTo}.
 */
public final class Disentanglement {
    private Disentanglement() {}

    /** One grid point: the two disagreement rates and their sum xi. */
    public record Cell(double aClean, double aTrigger, double cleanDisagreement, double triggerDisagreement,
            double xi) {}

    /** All cells, row-major over {@code triggerCoefs} (rows) then {@code cleanCoefs} (columns). */
    public record Grid(double[] cleanCoefs, double[] triggerCoefs, int cleanImages, int triggeredImages,
            List<Cell> cells) {
        /** xi as {@code [row = a_t index][column = a_c index]}, the layout of a heat map (rows bottom to top). */
        public double[][] xi() {
            double[][] out = new double[triggerCoefs.length][cleanCoefs.length];
            for (int r = 0; r < triggerCoefs.length; r++) {
                for (int c = 0; c < cleanCoefs.length; c++) {
                    out[r][c] = cells.get(r * cleanCoefs.length + c).xi();
                }
            }
            return out;
        }

        public Cell cell(int triggerIndex, int cleanIndex) {
            return cells.get(triggerIndex * cleanCoefs.length + cleanIndex);
        }

        public double meanXi() {
            return cells.stream().mapToDouble(Cell::xi).average().orElse(Double.NaN);
        }

        public double maxXi() {
            return cells.stream().mapToDouble(Cell::xi).max().orElse(Double.NaN);
        }
    }

    /** {@code steps} evenly spaced values from {@code min} to {@code max} inclusive. */
    public static double[] linspace(double min, double max, int steps) {
        if (steps < 1 || !(max >= min) || !Double.isFinite(min) || !Double.isFinite(max)) {
            throw new TbarException("coefficient grid needs steps >= 1 and finite min <= max, got [" + min + ", "
                    + max + "] in " + steps + " steps");
        }
        double[] v = new double[steps];
        for (int i = 0; i < steps; i++) {
            v[i] = steps == 1 ? min : min + (max - min) * i / (steps - 1);
        }
        return v;
    }

    /**
     * xi over the grid {@code cleanCoefs x triggerCoefs}. {@code clean} is evaluated for the first term,
     * {@code triggered} for the second; labels are not used (only predictions are compared).
     */
    public static Grid compute(ImageClassifier model, StateDict theta0, TaskVector tauClean, TaskVector tauTrigger,
            ImageDataset clean, ImageDataset triggered, double[] cleanCoefs, double[] triggerCoefs) {
        if (clean.size() == 0 || triggered.size() == 0) {
            throw new TbarException("disentanglement needs clean and triggered images, got " + clean.size()
                    + " and " + triggered.size());
        }
        if (cleanCoefs.length == 0 || triggerCoefs.length == 0) {
            throw new TbarException("disentanglement needs at least one coefficient on each axis");
        }
        int batch = Evaluator.DEFAULT_BATCH;
        // every image is predicted (grid size + 1) times: decode and trigger it once
        clean = DecodedDataset.of(clean);
        triggered = DecodedDataset.of(triggered);
        // Single-vector references: theta0 + a_t tau_t on triggered images, once per a_t.
        int[][] triggerOnly = new int[triggerCoefs.length][];
        for (int r = 0; r < triggerCoefs.length; r++) {
            try (StateDict w = tauTrigger.applyTo(theta0, triggerCoefs[r])) {
                triggerOnly[r] = Evaluator.predict(model, w, triggered, batch);
            }
        }
        Cell[][] cells = new Cell[triggerCoefs.length][cleanCoefs.length];
        for (int c = 0; c < cleanCoefs.length; c++) {
            try (StateDict wc = tauClean.applyTo(theta0, cleanCoefs[c])) {
                int[] cleanOnly = Evaluator.predict(model, wc, clean, batch);
                for (int r = 0; r < triggerCoefs.length; r++) {
                    try (StateDict both = tauTrigger.applyTo(wc, triggerCoefs[r])) {
                        double dc = disagreement(Evaluator.predict(model, both, clean, batch), cleanOnly);
                        double dt = disagreement(Evaluator.predict(model, both, triggered, batch), triggerOnly[r]);
                        cells[r][c] = new Cell(cleanCoefs[c], triggerCoefs[r], dc, dt, dc + dt);
                    }
                }
            }
        }
        List<Cell> flat = new ArrayList<>();
        for (Cell[] row : cells) {
            flat.addAll(List.of(row));
        }
        return new Grid(cleanCoefs.clone(), triggerCoefs.clone(), clean.size(), triggered.size(), flat);
    }

    static double disagreement(int[] a, int[] b) {
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] != b[i]) {
                n++;
            }
        }
        return n / (double) a.length;
    }

    /**
     * Cosine similarity of every pair of named vectors, in map order ({@code [i][j]}); NaN where a vector is zero.
     */
    public static double[][] cosines(Map<String, TaskVector> vectors) {
        List<TaskVector> vs = new ArrayList<>(vectors.values());
        double[] norms = vs.stream().mapToDouble(TaskVector::norm).toArray();
        double[][] out = new double[vs.size()][vs.size()];
        for (int i = 0; i < vs.size(); i++) {
            for (int j = i; j < vs.size(); j++) {
                double n = norms[i] * norms[j];
                double cos = n == 0 ? Double.NaN : vs.get(i).dot(vs.get(j)) / n;
                out[i][j] = cos;
                out[j][i] = cos;
            }
        }
        return out;
    }

    /** The cosine matrix as nested maps (name -> name -> cosine), for JSON. */
    public static Map<String, Map<String, Double>> cosineTable(List<String> names, double[][] cos) {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            Map<String, Double> row = new LinkedHashMap<>();
            for (int j = 0; j < names.size(); j++) {
                row.put(names.get(j), cos[i][j]);
            }
            out.put(names.get(i), row);
        }
        return out;
    }
}
