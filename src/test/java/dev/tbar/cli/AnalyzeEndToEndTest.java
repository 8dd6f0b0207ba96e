package dev.tbar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tbar analyze} on tiny generated data for two attacks: every file is written and xi stays in [0, 2]. */
class AnalyzeEndToEndTest {
    private static final String[] TINY = {
        "--set", "data.image_size=16", "--set", "data.train_size=300", "--set", "data.test_size=50",
        "--set", "model.name=resnet8", "--set", "implant.epochs=1", "--set", "implant.batch_size=64",
        "--set", "split.defender_fraction=0.3", "--set", "tbar.finetune.epochs=1",
        "--set", "tbar.finetune.batch_size=32", "--attacks", "badnets-cifar,blended-cifar",
        "--coef-steps", "3", "--eval-images", "30"};

    @Test
    void writesHeatMapsCosinesAndBoundedXi(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        assertEquals(0, Main.run(PipelineEndToEndTest.args(TINY, "analyze", "--out", out.toString())));

        for (String f : new String[] {"analysis.json", "report.md", "report.html", "manifest.json", "cosine.png",
                "xi-badnets-cifar.png", "xi-blended-cifar.png"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        JsonNode a = new ObjectMapper().readTree(out.resolve("analysis.json").toFile());
        assertEquals(2, a.at("/attacks").size());
        for (JsonNode attack : a.at("/attacks")) {
            JsonNode cells = attack.at("/grid/cells");
            assertEquals(9, cells.size());
            for (JsonNode c : cells) {
                double xi = c.at("/xi").asDouble();
                assertTrue(xi >= 0 && xi <= 2, "xi out of [0, 2]: " + c);
                assertEquals(c.at("/cleanDisagreement").asDouble() + c.at("/triggerDisagreement").asDouble(), xi,
                        1e-12);
            }
            // at a_c = a_t = 0 every model is theta0: no disagreement
            assertEquals(0.0, cells.get(0).at("/xi").asDouble());
            assertTrue(attack.at("/triggerVectorNorm").asDouble() > 0);
        }
        // clean, two trigger vectors and two implant vectors; unit diagonal
        assertEquals(5, a.at("/vectors").size());
        assertEquals(1.0, a.at("/cosine/clean/clean").asDouble(), 1e-9);
        assertEquals("completed", new ObjectMapper().readTree(out.resolve("manifest.json").toFile())
                .at("/status").asText());
    }

    @Test
    void badGridOrAttackIsAUserErrorBeforeAnyTraining(@TempDir Path dir) {
        assertEquals(2, Main.run("analyze", "--out", dir.resolve("a").toString(), "--coef-steps", "1"));
        // sig has no 'size': refused before any training, though badnets (first) accepts it
        assertEquals(2, Main.run("analyze", "--out", dir.resolve("b").toString(), "--set", "data.image_size=16",
                "--set", "attack.params={size: 2}", "--attacks", "badnets-cifar,sig-cifar"));
        assertEquals(false, Files.exists(dir.resolve("b").resolve("analysis.json")));
    }
}
