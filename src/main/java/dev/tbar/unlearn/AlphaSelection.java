package dev.tbar.unlearn;

import java.util.List;

/**
 * TBAR's rule for alpha, applied to validation data only: among the alphas whose CA stays at or above
 * {@code threshold} x CA(theta_bd), take the one with the lowest ASR; ties go to the higher CA, then the smaller alpha.
 * If no alpha keeps enough CA, alpha = 0 (the model is returned unchanged) and the result says so.
 */
public final class AlphaSelection {
    private AlphaSelection() {}

    /** The selected point and whether the CA constraint could be met at all by a non-zero alpha. */
    public record Choice(AlphaPoint point, double caFloor, boolean constrained) {}

    /** The validation CA an alpha must keep: {@code threshold} x CA(theta_bd). */
    public static double floor(double baseCa, double threshold) {
        return threshold * baseCa;
    }

    /**
     * Whether validation point {@code a} beats {@code b} between two finished candidates: a lower ASR, or the same ASR
     * and a higher CA. A NaN ASR (no alpha kept) neither beats nor is beaten.
     */
    static boolean beats(AlphaPoint a, AlphaPoint b) {
        return a.asr() < b.asr() || a.asr() == b.asr() && a.ca() > b.ca();
    }

    public static Choice choose(List<AlphaPoint> sweep, double baseCa, double threshold) {
        double floor = floor(baseCa, threshold);
        AlphaPoint best = null;
        for (AlphaPoint p : sweep) {
            if (p.ca() + 1e-12 < floor) {
                continue;
            }
            if (best == null || p.asr() < best.asr() - 1e-12
                    || (Math.abs(p.asr() - best.asr()) <= 1e-12 && (p.ca() > best.ca() + 1e-12
                    || (Math.abs(p.ca() - best.ca()) <= 1e-12 && p.alpha() < best.alpha())))) {
                best = p;
            }
        }
        if (best == null) {
            return new Choice(new AlphaPoint(0, baseCa, Double.NaN), floor, false);
        }
        return new Choice(best, floor, true);
    }
}
