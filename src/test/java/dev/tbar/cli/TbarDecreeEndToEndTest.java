package dev.tbar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code defenses: [tbar-decree]} through the CLI at toy size: the plumbing and the report, not the quality. */
class TbarDecreeEndToEndTest {
    @Test
    void theDemoRunsTbarDecreeAndReportsItsDetection(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        assertEquals(0, Main.run("demo", "--offline", "--out", out.toString(), "--set", "data.image_size=8", "--set",
                "data.train_size=200", "--set", "data.test_size=40", "--set", "model.name=resnet8", "--set",
                "implant.epochs=1", "--set", "defenses=[tbar-decree]", "--set", "decree.steps=4", "--set",
                "decree.batch_size=8", "--set", "decree.images=16", "--set", "tbar.finetune.epochs=1", "--set",
                "tbar.alphas.steps=3", "--set", "tbar.bn_recalibration=0", "--set", "split.defender_fraction=0.3"));
        JsonNode d = new ObjectMapper().readTree(out.resolve("results.json").toFile()).at("/defenses/0");
        assertEquals("tbar-decree", d.at("/defense").asText());
        JsonNode inv = d.at("/details/inversion");
        assertEquals("decree", inv.at("/method").asText());
        assertEquals(16, inv.at("/imagesUsed").asInt(), "decree.images is the inversion's budget");
        assertEquals(inv.at("/detectedTarget").asInt() == inv.at("/trueTarget").asInt(),
                inv.at("/detectionCorrect").asBoolean());
        assertTrue(d.at("/details/alpha").isNumber(), d.toString());
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("Trigger inversion (tbar-decree)") && report.contains("PL1-norm"), report);
    }
}
