package dev.tbar.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tbar.TbarException;
import dev.tbar.util.Hashing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManifestTest {
    record Attack(String kind, int target, double poisonRate) {}

    record Config(String model, Path data, Attack attack, double alpha, double unset) {}

    /** A clock the test moves by hand. */
    static final class HandClock extends Clock {
        final AtomicLong millis = new AtomicLong(Instant.parse("2026-01-02T03:04:05Z").toEpochMilli());

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }
    }

    @Test
    void manifestRecordsVersionsSeedsHashesAndTimingsAsValidJson(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("cifar.tar");
        Files.writeString(data, "pretend archive");
        HandClock clock = new HandClock();
        AtomicLong nanos = new AtomicLong();
        Versions versions = Versions.detect();
        Manifest m = Manifest.start("unlearn", List.of("unlearn", "--out", "run", "--alpha", "1.5"), versions,
                new GitInfo("0123456789abcdef0123456789abcdef01234567", "main"), clock, new Timings(nanos::get));
        m.config(new Config("resnet20", data, new Attack("badnets", 0, 0.1), 1.5, Double.NaN))
                .seed("attack", 42)
                .seed("split", -7)
                .data("train", data)
                .trigger(Hashing.sha256("trigger"));
        try (var t = m.timings().phase("attack")) {
            nanos.addAndGet(2_500_000_000L);
        }
        RunFolder run = RunFolder.open(tmp.resolve("run"), false);
        run.writeManifest(m); // as a run starts
        assertEquals("running", Json.read(run.path(Manifest.FILE)).get("status").asText());
        run.writeJson("results.json", new Attack("x", 1, 0.5));
        clock.millis.addAndGet(83_400);
        run.writeManifest(m.completed());

        String text = Files.readString(run.path(Manifest.FILE));
        assertTrue(text.contains("\"tool\": \"tbar\""), "pretty, one space after the colon: " + text);
        assertTrue(text.endsWith("}\n"));
        JsonNode j = Json.mapper().readTree(text); // strict parse: valid JSON
        assertEquals("tbar", j.get("tool").asText());
        assertEquals(Manifest.FORMAT, j.get("format").asInt());
        assertEquals("completed", j.get("status").asText());
        assertEquals("unlearn", j.get("command").asText());
        assertEquals("--alpha", j.get("args").get(3).asText());
        assertEquals("resnet20", j.at("/config/model").asText());
        assertEquals(data.toString(), j.at("/config/data").asText(), "paths as plain text, not file: URIs");
        assertEquals(0.1, j.at("/config/attack/poison_rate").asDouble(),
                "the config block is in the config language (snake_case)");
        assertEquals("NaN", j.at("/config/unset").asText());
        assertEquals(42, j.at("/seeds/attack").asLong());
        assertEquals(-7, j.at("/seeds/split").asLong());
        assertEquals(Hashing.sha256(data), j.at("/dataHashes/train").asText());
        assertEquals(Hashing.sha256("trigger"), j.get("triggerHash").asText());
        assertEquals(System.getProperty("java.version"), j.at("/versions/java").asText());
        assertEquals(Engine.getDjlVersion(), j.at("/versions/djl").asText());
        assertFalse(j.at("/versions/engine").asText().isBlank());
        assertFalse(j.at("/versions/engineVersion").asText().isBlank());
        assertTrue(j.at("/versions/tbar").asText().matches("\\d+\\.\\d+.*"), j.at("/versions/tbar").asText());
        assertEquals(Runtime.getRuntime().availableProcessors(), j.at("/versions/cores").asInt());
        assertEquals(System.getProperty("os.arch"), j.at("/versions/arch").asText());
        String omp = System.getenv("OMP_NUM_THREADS");
        assertTrue(j.at("/versions/threads").asText().contains("OMP_NUM_THREADS=" + (omp == null ? "default" : omp)),
                j.at("/versions/threads").asText());
        assertEquals("0123456789abcdef0123456789abcdef01234567", j.at("/git/commit").asText());
        assertEquals("2026-01-02T03:04:05Z", j.get("startedAt").asText());
        assertEquals("2026-01-02T03:05:28.400Z", j.get("finishedAt").asText());
        assertEquals(83.4, j.get("wallSeconds").asDouble(), 1e-9);
        assertEquals("attack", j.at("/timings/0/name").asText());
        assertEquals(2.5, j.at("/timings/0/seconds").asDouble(), 1e-9);
        assertEquals(Hashing.sha256(run.path("results.json")), j.at("/outputs/results.json").asText());
        assertTrue(j.get("outputs").size() == 1, "the manifest does not list itself");
        assertTrue(j.get("error").isNull());
    }

    @Test
    void failedRunKeepsTheReason(@TempDir Path tmp) {
        Manifest m = Manifest.start("attack", List.of("attack"), Versions.detect(), GitInfo.unknown(),
                new HandClock(), new Timings());
        m.failed(new TbarException("--data x: no such file"));
        m.writeTo(tmp.resolve(Manifest.FILE));
        JsonNode j = Json.read(tmp.resolve(Manifest.FILE));
        assertEquals("failed", j.get("status").asText());
        assertEquals("--data x: no such file", j.get("error").asText());
        assertEquals("unknown", j.at("/git/commit").asText());
    }

    @Test
    void malformedHashesAreRejectedWithTheirName() {
        Manifest m = Manifest.start("x", List.of(), Versions.detect(), GitInfo.unknown(), new HandClock(),
                new Timings());
        TbarException e = assertThrows(TbarException.class, () -> m.dataHash("gtsrb", "ABC"));
        assertTrue(e.getMessage().contains("gtsrb") && e.getMessage().contains("SHA-256"), e.getMessage());
        assertThrows(TbarException.class, () -> m.trigger(null));
    }

    @Test
    void unreadableJsonNamesTheFile(@TempDir Path tmp) throws Exception {
        Path empty = Files.writeString(tmp.resolve("empty.json"), "");
        Path broken = Files.writeString(tmp.resolve("broken.json"), "{\"tool\": ");
        TbarException e1 = assertThrows(TbarException.class, () -> Json.read(empty));
        TbarException e2 = assertThrows(TbarException.class, () -> Json.read(broken));
        assertTrue(e1.getMessage().startsWith(empty.toString()), e1.getMessage());
        assertTrue(e2.getMessage().startsWith(broken.toString()) && e2.getMessage().contains("not valid JSON"));
    }
}
