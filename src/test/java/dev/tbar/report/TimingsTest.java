package dev.tbar.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TimingsTest {
    private final AtomicLong now = new AtomicLong();
    private final Timings timings = new Timings(now::get);

    private void advance(double seconds) {
        now.addAndGet((long) (seconds * 1e9));
    }

    @Test
    void phasesAccumulateInFirstEnteredOrder() {
        try (var t = timings.phase("attack")) {
            advance(2.5);
            assertEquals(2.5, t.elapsedSeconds(), 1e-9);
        }
        try (var t = timings.phase("trigger-vector")) {
            advance(1.25);
        }
        try (var t = timings.phase("attack")) {
            advance(0.5);
        }
        assertEquals(List.of(new Timings.Phase("attack", 3.0, 2), new Timings.Phase("trigger-vector", 1.25, 1)),
                timings.phases());
        assertEquals(3.0, timings.seconds("attack"), 1e-9);
        assertEquals(0.0, timings.seconds("never"), 0);
    }

    @Test
    void phaseEndedByExceptionStillCountsAndClosingTwiceCountsOnce() {
        assertThrows(IllegalStateException.class, () -> {
            try (var t = timings.phase("eval")) {
                advance(4);
                throw new IllegalStateException("boom");
            }
        });
        var t = timings.phase("report");
        advance(1);
        t.close();
        advance(1);
        t.close();
        assertEquals(List.of(new Timings.Phase("eval", 4.0, 1), new Timings.Phase("report", 1.0, 1)),
                timings.phases());
    }

    @Test
    void openPhaseIsNotListedAndSecondsRoundToMilliseconds() {
        var open = timings.phase("open");
        try (var t = timings.phase("short")) {
            advance(0.0123456);
        }
        assertEquals(List.of(new Timings.Phase("short", 0.012, 1)), timings.phases());
        open.close();
        assertThrows(IllegalArgumentException.class, () -> timings.phase(" "));
    }
}
