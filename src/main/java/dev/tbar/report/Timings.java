package dev.tbar.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Wall-clock time per named phase of a run: {@code try (var t = timings.phase("attack")) { ... }}. A phase entered
 * several times accumulates; phases are listed in the order they were first entered. A phase that ends with an
 * exception still counts, so a failed run's manifest shows where the time went.
 */
public final class Timings {
    /** One phase's total for the manifest. */
    public record Phase(String name, double seconds, int count) {}

    /** An open phase; closing it (once) adds its elapsed time. */
    public final class Running implements AutoCloseable {
        private final String name;
        private final long startNanos;
        private boolean closed;

        private Running(String name, long startNanos) {
            this.name = name;
            this.startNanos = startNanos;
        }

        /** Seconds since this phase was entered. */
        public double elapsedSeconds() {
            return (clock.getAsLong() - startNanos) / 1e9;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                add(name, clock.getAsLong() - startNanos);
            }
        }
    }

    private final LongSupplier clock;
    private final Map<String, long[]> totals = new LinkedHashMap<>(); // name -> {nanos, count}

    public Timings() {
        this(System::nanoTime);
    }

    /** A clock in nanoseconds; tests pass a fake one. */
    public Timings(LongSupplier nanoClock) {
        this.clock = nanoClock;
    }

    /** Starts timing {@code name}; close the result to stop. */
    public Running phase(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("phase name must not be blank");
        }
        synchronized (this) {
            totals.computeIfAbsent(name, k -> new long[2]); // keeps first-entered order
        }
        return new Running(name, clock.getAsLong());
    }

    /** Adds time measured elsewhere (e.g. restored from a resumed run). */
    public synchronized void add(String name, long nanos) {
        long[] t = totals.computeIfAbsent(name, k -> new long[2]);
        t[0] += nanos;
        t[1]++;
    }

    /** Phases that were closed at least once, in first-entered order. */
    public synchronized List<Phase> phases() {
        List<Phase> out = new ArrayList<>();
        totals.forEach((name, t) -> {
            if (t[1] > 0) {
                out.add(new Phase(name, Math.round(t[0] / 1e6) / 1e3, (int) t[1])); // ms: finer is noise
            }
        });
        return out;
    }

    /** Total seconds of {@code name}, 0 if it never closed. */
    public synchronized double seconds(String name) {
        long[] t = totals.get(name);
        return t == null ? 0 : t[0] / 1e9;
    }
}
