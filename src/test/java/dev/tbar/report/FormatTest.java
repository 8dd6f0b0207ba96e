package dev.tbar.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class FormatTest {
    @Test
    void percentagesHaveTwoDecimalsWhateverTheLocale() {
        Locale old = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            assertEquals("12.34%", Format.percent(0.12344));
            assertEquals("100.00%", Format.percent(1));
            assertEquals("0.00%", Format.percent(-0.00001)); // no "-0.00%"
            assertEquals("12.3%", Format.percent(0.1234, 1));
            assertEquals("n/a", Format.percent(Double.NaN));
            assertEquals("3.14", Format.fixed(Math.PI, 2));
        } finally {
            Locale.setDefault(old);
        }
    }

    @Test
    void percentagePointsAreSigned() {
        assertEquals("-2.02 pp", Format.points(0.9011 - 0.9213));
        assertEquals("+0.50 pp", Format.points(0.005));
        assertEquals("0.00 pp", Format.points(0));
        assertEquals("n/a", Format.points(Double.NaN));
    }

    @Test
    void durationsReadLikeAClock() {
        assertEquals("850 ms", Format.duration(0.85));
        assertEquals("0 ms", Format.duration(0));
        assertEquals("12.3s", Format.duration(12.34));
        assertEquals("1m 23s", Format.duration(83.4));
        assertEquals("1m 00s", Format.duration(59.97));
        assertEquals("1m 05s", Format.duration(Duration.ofSeconds(65)));
        assertEquals("2h 05m 09s", Format.duration(2 * 3600 + 5 * 60 + 9));
        assertEquals("n/a", Format.duration(-1));
    }

    @Test
    void bytesUseBinaryUnits() {
        assertEquals("512 B", Format.bytes(512));
        assertEquals("1.5 KiB", Format.bytes(1536));
        assertEquals("3.0 MiB", Format.bytes(3L << 20));
    }
}
