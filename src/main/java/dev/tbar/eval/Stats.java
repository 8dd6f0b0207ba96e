package dev.tbar.eval;

/**
 * Mean and 95% confidence interval over repetitions (seeds). The half-width uses Student's t with n - 1 degrees of
 * freedom, since benchmark cells have only a handful of seeds and the normal 1.96 would overstate precision.
 */
public record Stats(int n, double mean, double sd, double ci95) {
    /** Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom. */
    private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060,
        2.056, 2.052, 2.048, 2.045, 2.042};

    /** Summary of the finite values; NaN mean when there are none, NaN interval for a single value. */
    public static Stats of(double... values) {
        int n = 0;
        double sum = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                n++;
                sum += v;
            }
        }
        if (n == 0) {
            return new Stats(0, Double.NaN, Double.NaN, Double.NaN);
        }
        double mean = sum / n;
        if (n == 1) {
            return new Stats(1, mean, Double.NaN, Double.NaN);
        }
        double sq = 0;
        for (double v : values) {
            if (Double.isFinite(v)) {
                sq += (v - mean) * (v - mean);
            }
        }
        double sd = Math.sqrt(sq / (n - 1));
        return new Stats(n, mean, sd, tQuantile(n - 1) * sd / Math.sqrt(n));
    }

    static double tQuantile(int dof) {
        return dof <= T975.length ? T975[dof - 1] : 1.96;
    }
}
