package dev.tbar.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.TbarException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunFolderTest {
    private static List<String> tree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    private static Manifest manifest() {
        return Manifest.start("test", List.of("test"), Versions.detect(), GitInfo.unknown(),
                java.time.Clock.systemUTC(), new Timings());
    }

    @Test
    void createsMissingFoldersAndAcceptsEmptyOnes(@TempDir Path tmp) {
        RunFolder a = RunFolder.open(tmp.resolve("runs/a"), false);
        assertTrue(Files.isDirectory(a.dir()));
        assertFalse(a.previousRun());
        RunFolder b = RunFolder.open(tmp.resolve("runs/a"), false);
        assertFalse(b.previousRun());
    }

    @Test
    void refusesAForeignNonEmptyFolderAndTouchesNothing(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("photos"));
        Files.writeString(dir.resolve("holiday.jpg"), "not ours");
        TbarException e = assertThrows(TbarException.class, () -> RunFolder.open(dir, false));
        String msg = e.getMessage();
        assertTrue(msg.startsWith("--out " + dir), msg);
        assertTrue(msg.contains("holiday.jpg") && msg.contains("no manifest.json") && msg.contains("--force"), msg);
        assertEquals(List.of("holiday.jpg"), tree(dir));

        RunFolder forced = RunFolder.open(dir, true);
        assertFalse(forced.previousRun());
        forced.writeString("report.md", "# x\n");
        assertEquals("not ours", Files.readString(dir.resolve("holiday.jpg")));
    }

    @Test
    void reusesAnEarlierTbarRunButNotAnotherToolsManifest(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        RunFolder first = RunFolder.open(dir, false);
        first.writeManifest(manifest());
        first.writeString("report.md", "old");
        RunFolder again = RunFolder.open(dir, false);
        assertTrue(again.previousRun());

        Path other = Files.createDirectories(tmp.resolve("other"));
        Files.writeString(other.resolve("manifest.json"), "{\"tool\": \"something-else\"}");
        TbarException e = assertThrows(TbarException.class, () -> RunFolder.open(other, false));
        assertTrue(e.getMessage().contains("\"tool\": \"tbar\""), e.getMessage());
        Files.writeString(other.resolve("manifest.json"), "{oops");
        e = assertThrows(TbarException.class, () -> RunFolder.open(other, false));
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }

    @Test
    void refusesAFileAsOutputFolder(@TempDir Path tmp) throws Exception {
        Path file = Files.writeString(tmp.resolve("out"), "x");
        TbarException e = assertThrows(TbarException.class, () -> RunFolder.open(file, true));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
    }

    @Test
    void namesMustStayInsideTheFolder(@TempDir Path tmp) {
        RunFolder run = RunFolder.open(tmp.resolve("run"), false);
        assertThrows(IllegalArgumentException.class, () -> run.path("../escape.txt"));
        assertThrows(IllegalArgumentException.class, () -> run.path(tmp.resolve("abs.txt").toString()));
        assertThrows(IllegalArgumentException.class, () -> run.path("plots/.."));
        assertEquals(run.dir().resolve("plots/ca.png"), run.path("plots/ca.png"));
    }

    @Test
    void writesAreAtomicAndLeaveNoTemporaries(@TempDir Path tmp) throws Exception {
        RunFolder run = RunFolder.open(tmp.resolve("run"), false);
        run.writeJson("results.json", Map.of("ca", 0.9));
        run.writeBytes("plots/raw.bin", new byte[] {1, 2, 3});
        run.writeString("report.md", "first");
        assertThrows(TbarException.class, () -> run.write("report.md", out -> {
            out.write("half-written".getBytes());
            throw new IOException("simulated crash");
        }));
        assertThrows(TbarException.class, () -> run.write("never.txt", out -> {
            throw new IOException("simulated crash");
        }));
        assertEquals("first", Files.readString(run.path("report.md")), "a failed rewrite keeps the old file");
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(run.path("plots/raw.bin")));
        assertEquals(0.9, Json.read(run.path("results.json")).get("ca").asDouble());
        assertEquals(List.of("plots/raw.bin", "report.md", "results.json"), tree(run.dir()),
                "no temporary or partial file left behind");
        // a stray hidden temporary (e.g. from a killed process) is never listed as an output
        Files.writeString(run.path(".report.md.123.tmp"), "junk");
        assertEquals(List.of("plots/raw.bin", "report.md", "results.json"), List.copyOf(run.outputs().keySet()));
    }
}
