package dev.tbar.report;

import java.time.Duration;
import java.util.Locale;

/**
 * Number formatting for reports, independent of the JVM's locale (a German locale would otherwise print "12,50%").
 * Missing values (NaN) print as "n/a" rather than a misleading number.
 */
public final class Format {
    public static final String MISSING = "n/a";

    private Format() {}

    /** A fraction as a percentage with 2 decimals: 0.1234 -> "12.34%". */
    public static String percent(double fraction) {
        return percent(fraction, 2);
    }

    public static String percent(double fraction, int decimals) {
        return Double.isFinite(fraction) ? fixed(fraction * 100, decimals) + "%" : MISSING;
    }

    /** A signed difference of two fractions in percentage points: -0.0123 -> "-1.23 pp". */
    public static String points(double fractionDelta) {
        if (!Double.isFinite(fractionDelta)) {
            return MISSING;
        }
        String s = fixed(fractionDelta * 100, 2);
        return (s.startsWith("-") || isZero(s) ? s : "+" + s) + " pp";
    }

    /** Fixed decimals, locale-free, no "-0.00". */
    public static String fixed(double value, int decimals) {
        if (!Double.isFinite(value)) {
            return Double.isNaN(value) ? MISSING : (value > 0 ? "inf" : "-inf");
        }
        String s = String.format(Locale.ROOT, "%." + decimals + "f", value);
        return s.startsWith("-") && isZero(s) ? s.substring(1) : s;
    }

    private static boolean isZero(String s) {
        return s.chars().noneMatch(c -> c >= '1' && c <= '9');
    }

    /**
     * A duration for people: "850 ms", "12.3s", "1m 23s", "2h 05m 09s". Rounds to the shown unit; seconds from
     * one minute on are whole.
     */
    public static String duration(double seconds) {
        if (!Double.isFinite(seconds) || seconds < 0) {
            return MISSING;
        }
        if (seconds < 1) {
            long ms = Math.round(seconds * 1000);
            return ms < 1000 ? ms + " ms" : "1.0s";
        }
        if (seconds < 59.95) {
            return fixed(seconds, 1) + "s";
        }
        long total = Math.round(seconds);
        long h = total / 3600;
        long m = (total % 3600) / 60;
        long s = total % 60;
        return h > 0
                ? String.format(Locale.ROOT, "%dh %02dm %02ds", h, m, s)
                : String.format(Locale.ROOT, "%dm %02ds", m, s);
    }

    public static String duration(Duration d) {
        return duration(d.toNanos() / 1e9);
    }

    /** Bytes in binary units: 1536 -> "1.5 KiB". */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return fixed(v, 1) + " " + units[u];
    }
}
