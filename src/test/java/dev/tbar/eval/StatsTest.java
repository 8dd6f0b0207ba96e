package dev.tbar.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StatsTest {
    @Test
    void meanAndStudentTInterval() {
        Stats s = Stats.of(1, 2, 3);
        assertEquals(3, s.n());
        assertEquals(2.0, s.mean(), 1e-12);
        assertEquals(1.0, s.sd(), 1e-12);
        assertEquals(4.303 / Math.sqrt(3), s.ci95(), 1e-9); // t(0.975, 2) = 4.303
    }

    @Test
    void ignoresNonFiniteValuesAndHandlesTinySamples() {
        Stats s = Stats.of(0.5, Double.NaN);
        assertEquals(1, s.n());
        assertEquals(0.5, s.mean(), 0);
        assertTrue(Double.isNaN(s.ci95()));
        assertTrue(Double.isNaN(Stats.of().mean()));
    }

    @Test
    void largeSamplesUseTheNormalQuantile() {
        double[] v = new double[41];
        for (int i = 0; i < v.length; i++) {
            v[i] = i % 2;
        }
        Stats s = Stats.of(v);
        assertEquals(1.96 * s.sd() / Math.sqrt(41), s.ci95(), 1e-12);
    }
}
