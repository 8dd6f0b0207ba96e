package dev.tbar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tbar detect --method decree} on generated data with a small random ResNet: the outputs and the option. */
class DetectDecreeTest {
    static final String[] SMALL = {"--set", "data.image_size=8", "--set", "data.train_size=200", "--set",
        "data.test_size=20", "--set", "model.name=resnet8", "--set", "decree.steps=6", "--set",
        "decree.batch_size=8", "--set", "split.defender_fraction=0.5"};

    record Run(int code, String out, String err) {}

    /** Main.run with standard output and error captured (picocli writes to them by default). */
    static synchronized Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void writesThePl1FlagAndMajorityTarget(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("scan");
        String[] head = {"detect", "--method", "decree", "--out", out.toString(), "--images", "24"};
        String[] args = new String[head.length + SMALL.length];
        System.arraycopy(head, 0, args, 0, head.length);
        System.arraycopy(SMALL, 0, args, head.length, SMALL.length);
        Run r = run(args);
        assertEquals(0, r.code(), r.err());
        String printed = r.out();
        assertTrue(printed.contains("PL1-norm") && printed.contains("majority target"), printed);
        JsonNode d = new ObjectMapper().readTree(out.resolve("detect.json").toFile());
        assertEquals("decree", d.at("/method").asText());
        assertEquals(24, d.at("/images").asInt());
        assertEquals(24, d.at("/decree/images").asInt());
        double pl1 = d.at("/pl1").asDouble();
        assertTrue(pl1 > 0 && pl1 <= 1, "PL1 " + pl1);
        assertTrue(d.at("/flagThreshold").isNumber() && d.at("/detectedTarget").isInt(), d.toString());
        assertEquals(pl1 < d.at("/flagThreshold").asDouble(), d.at("/flagged").asBoolean());
        assertTrue(d.at("/detectedTarget").asInt() >= 0 && d.at("/detectedTarget").asInt() < 10);
        assertTrue(Files.size(out.resolve("mask.png")) > 0 && Files.size(out.resolve("pattern.png")) > 0);
        assertTrue(Files.size(out.resolve("trigger/trigger.safetensors")) > 0);
        assertFalse(Files.exists(out.resolve("mask-0.png")), "no Neural Cleanse per-class output");
    }

    @Test
    void anUnknownMethodIsAUserErrorNamingTheOption(@TempDir Path dir) {
        Run r = run("detect", "--method", "strip", "--out", dir.resolve("a").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--method") && r.err().contains("decree"), r.err());
        assertFalse(Files.exists(dir.resolve("a")), "nothing written for a bad option");
        assertEquals(0, run("detect", "--method", "decree", "--dry-run", "--set", "decree.steps=5").code());
        assertEquals(0, run("detect", "--method", "neural-cleanse", "--dry-run").code());
    }
}
