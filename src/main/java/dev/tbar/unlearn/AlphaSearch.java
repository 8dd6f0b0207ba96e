package dev.tbar.unlearn;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which alphas TBAR evaluates on validation data. Both strategies end with {@link AlphaSelection}'s rule over every
 * point they evaluated; they differ only in how many points that takes.
 */
public enum AlphaSearch {
    /**
     * The configured grid, extended by its own length (at most {@value #MAX_GRID_EXTENSIONS} times) while its last
     * point keeps the CA floor and some ASR is left.
     */
    GRID,
    /**
     * The rule's answer on a monotone curve (CA and ASR both fall as alpha grows) is the boundary where following the
     * curve stops paying: the first alpha whose CA falls below the floor or whose ASR reaches 0. It is bracketed by
     * doubling from the grid's maximum (at most {@value #MAX_DOUBLINGS} times: a trigger vector that fine-tuning
     * barely moved needs a large alpha) and then bisected down to a quarter of the grid's spacing, in at most
     * {@value #MAX_EVALUATIONS} evaluations.
     */
    BISECT;

    static final int MAX_GRID_EXTENSIONS = 3;
    static final int MAX_EVALUATIONS = 12;
    static final int MAX_DOUBLINGS = 6;

    /** The name in config files: {@code grid}, {@code bisect}. */
    @JsonValue
    public String configText() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Validation CA and ASR of the model with {@code alpha} subtracted. */
    @FunctionalInterface
    interface Evaluation {
        AlphaPoint at(double alpha);
    }

    /** Evaluates the alphas this strategy chooses, in order; {@code floor} is the validation CA floor. */
    List<AlphaPoint> run(AlphaGrid grid, double floor, Evaluation eval) {
        return this == GRID ? grid(grid, floor, eval) : bisect(grid, floor, eval);
    }

    /** At most this many evaluations (for progress messages). */
    int budget(AlphaGrid grid) {
        return this == GRID ? grid.steps() + MAX_GRID_EXTENSIONS * Math.max(0, grid.steps() - 1) : MAX_EVALUATIONS;
    }

    private static boolean pastTheBoundary(AlphaPoint p, double floor) {
        return p.ca() < floor || p.asr() <= 0;
    }

    private static List<AlphaPoint> grid(AlphaGrid grid, double floor, Evaluation eval) {
        List<AlphaPoint> out = new ArrayList<>();
        double[] alphas = grid.values();
        for (int round = 0; round <= MAX_GRID_EXTENSIONS; round++) {
            for (double a : alphas) {
                out.add(eval.at(a));
            }
            double last = alphas[alphas.length - 1];
            if (alphas.length < 2 || last == 0 || pastTheBoundary(out.get(out.size() - 1), floor)) {
                break;
            }
            double span = last - alphas[0];
            double[] next = new double[alphas.length - 1];
            for (int i = 0; i < next.length; i++) {
                next[i] = last + span * (i + 1) / next.length;
            }
            alphas = next;
        }
        return out;
    }

    private static List<AlphaPoint> bisect(AlphaGrid grid, double floor, Evaluation eval) {
        List<AlphaPoint> out = new ArrayList<>();
        double lo = grid.min(); // alpha 0 is theta_bd itself: on the right side of the boundary by definition
        if (lo > 0) {
            AlphaPoint p = eval.at(lo);
            out.add(p);
            if (pastTheBoundary(p, floor)) {
                return out;
            }
        }
        double hi = Double.NaN;
        double span = grid.max() - grid.min();
        for (double a = grid.min() + span; span > 0 && a <= grid.min() + span * (1 << MAX_DOUBLINGS) + 1e-9;
                a = grid.min() + 2 * (a - grid.min())) {
            AlphaPoint p = eval.at(a);
            out.add(p);
            if (pastTheBoundary(p, floor)) {
                hi = a;
                break;
            }
            lo = a;
        }
        double resolution = span / Math.max(1, grid.steps() - 1) / 4;
        while (!Double.isNaN(hi) && hi - lo > resolution && out.size() < MAX_EVALUATIONS) {
            double mid = (lo + hi) / 2;
            AlphaPoint p = eval.at(mid);
            out.add(p);
            if (pastTheBoundary(p, floor)) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return out;
    }
}
