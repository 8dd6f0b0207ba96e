package dev.tbar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tbar detect} on generated data with a small random model: the outputs, not detection quality. */
class DetectCommandTest {
    static final String[] SMALL = {"--set", "data.image_size=8", "--set", "data.train_size=200", "--set",
        "data.test_size=20", "--set", "model.name=resnet8", "--set", "invert.steps=6", "--set",
        "invert.batch_size=8", "--set", "invert.classes=[0, 1, 2]", "--set", "split.defender_fraction=0.5"};

    @Test
    void writesTheTableJsonAndImages(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("scan");
        assertEquals(0, Main.run(PipelineEndToEndTest.args(SMALL, "detect", "--out", out.toString(), "--images",
                "30")));
        JsonNode d = new ObjectMapper().readTree(out.resolve("detect.json").toFile());
        assertEquals(3, d.at("/classes").size());
        assertEquals(30, d.at("/images").asInt());
        assertEquals(30, d.at("/invert/images").asInt());
        assertTrue(d.at("/anomalyIndex").isNumber() || d.at("/anomalyIndex").isTextual());
        assertEquals(d.at("/flagged").asBoolean(), !d.at("/detectedTarget").isNull());
        for (int c = 0; c < 3; c++) {
            assertTrue(Files.size(out.resolve("mask-" + c + ".png")) > 0);
            assertTrue(Files.size(out.resolve("pattern-" + c + ".png")) > 0);
        }
        assertTrue(Files.size(out.resolve("trigger/trigger.safetensors")) > 0);
        JsonNode manifest = new ObjectMapper().readTree(out.resolve("manifest.json").toFile());
        assertEquals("completed", manifest.at("/status").asText());
        try (var s = Files.list(out)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary files left");
        }
    }

    @Test
    void badSettingsExitWith2(@TempDir Path dir) {
        assertEquals(2, Main.run("detect", "--out", dir.resolve("a").toString(), "--images", "-1"));
        assertEquals(2, Main.run("detect", "--out", dir.resolve("b").toString(), "--set", "invert.classes=[0, 99]",
                "--set", "data.image_size=8", "--set", "data.train_size=40", "--set", "data.test_size=10",
                "--set", "model.name=resnet8"));
        assertEquals(0, Main.run("detect", "--dry-run", "--set", "invert.steps=5"));
    }
}
