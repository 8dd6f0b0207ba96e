package dev.tbar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every failure of the command line is one line on stderr and a non-zero exit; --debug adds the stack trace. */
class CliErrorsTest {
    /** The lines of stderr that are not log lines of the work done before the failure. */
    private static List<String> errorLines(DetectDecreeTest.Run r) {
        return r.err().lines().filter(l -> !l.matches("^\\d\\d:\\d\\d:\\d\\d \\w+ .*")).toList();
    }

    private static void assertOneLine(DetectDecreeTest.Run r, String... mustContain) {
        assertEquals(2, r.code(), r.err());
        List<String> lines = errorLines(r);
        assertEquals(1, lines.size(), r.err());
        String line = lines.get(0);
        assertTrue(line.startsWith("tbar: error: "), line);
        assertFalse(line.contains("null"), line);
        for (String s : mustContain) {
            assertTrue(line.contains(s), s + " not in: " + line);
        }
    }

    @Test
    void hostileWeightsAndBrokenDataAreOneLineWithoutATrace(@TempDir Path dir) throws IOException {
        Path truncated = Files.write(dir.resolve("cut.safetensors"), new byte[] {(byte) 200, 0, 0, 0, 0, 0, 0, 0,
            '{', '"'});
        assertOneLine(DetectDecreeTest.run("eval", "--model", "resnet8", "--weights", truncated.toString()), "cut.safetensors");

        Path pickle = Files.write(dir.resolve("evil.th"), "\u0080\u0002cos\nsystem\n.".getBytes(
                StandardCharsets.ISO_8859_1));
        assertOneLine(DetectDecreeTest.run("eval", "--model", "resnet8", "--weights", pickle.toString()), "evil.th", "os.system");

        Path tar = dir.resolve("data.tar.gz");
        try (OutputStream f = Files.newOutputStream(tar); var gz = new GzipCompressorOutputStream(f);
                var t = new TarArchiveOutputStream(gz)) {
            Random r = new Random(0);
            for (int i = 0; i < 20; i++) {
                byte[] content = new byte[2048];
                r.nextBytes(content);
                TarArchiveEntry e = new TarArchiveEntry("train/c" + (i % 2) + "/" + i + ".png");
                e.setSize(content.length);
                t.putArchiveEntry(e);
                t.write(content);
                t.closeArchiveEntry();
            }
        }
        byte[] whole = Files.readAllBytes(tar);
        Files.write(tar, Arrays.copyOf(whole, whole.length / 2));
        assertOneLine(DetectDecreeTest.run("eval", "--model", "resnet8", "--data", tar.toString()), "data.tar.gz");
    }

    @Test
    void debugAddsTheStackTraceAfterTheLine(@TempDir Path dir) throws IOException {
        Path truncated = Files.write(dir.resolve("cut.safetensors"), new byte[3]);
        DetectDecreeTest.Run r = DetectDecreeTest.run("eval", "--debug", "--model", "resnet8", "--weights", truncated.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("tbar: error: ") && r.err().contains("\tat dev.tbar."), r.err());
    }

    @Test
    void bugsAndResourceFailuresAreOneLineToo() {
        StringWriter out = new StringWriter();
        int code = Main.report(new IllegalStateException("x", new NullPointerException()), new PrintWriter(out),
                false);
        assertEquals(1, code);
        assertEquals(1, out.toString().lines().count(), out.toString());
        assertTrue(out.toString().startsWith("tbar: internal error: java.lang.IllegalStateException: x")
                && out.toString().contains("--debug"), out.toString());

        out = new StringWriter();
        assertEquals(2, Main.report(new OutOfMemoryError("Java heap space"), new PrintWriter(out), false));
        assertTrue(out.toString().startsWith("tbar: error: out of memory (Java heap space)"), out.toString());

        out = new StringWriter();
        assertEquals(2, Main.report(new java.io.UncheckedIOException(new java.io.EOFException()),
                new PrintWriter(out), false));
        assertEquals("tbar: error: input/output failed: unexpected end of file (truncated?)",
                out.toString().strip());
    }
}
