package dev.tbar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A small attack -> TBAR run through the CLI on generated data: the backdoor takes, and TBAR lowers its ASR. */
class PipelineEndToEndTest {
    static final String[] SMALL = {
        "--set", "data.image_size=16", "--set", "data.train_size=1500", "--set", "data.test_size=400",
        "--set", "model.name=resnet8", "--set", "implant.epochs=12", "--set", "implant.batch_size=64",
        "--set", "tbar.finetune.epochs=4", "--set", "tbar.alphas.max=4", "--set", "tbar.alphas.steps=21",
        "--set", "tbar.ca_threshold=0.8", "--set", "tbar.bn_recalibration=100", "--set", "finetune.train.epochs=2",
        "--set", "attack.params={size: 2}"};

    /** A command line: {@code head} (the command and its own options), then the {@code --set} overrides. */
    static String[] args(String[] settings, String... head) {
        return Stream.concat(Arrays.stream(head), Arrays.stream(settings)).toArray(String[]::new);
    }

    @Test
    void demoImplantsAndTbarRemoves(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        assertEquals(0, Main.run(args(SMALL, "demo", "--offline", "--out", out.toString())));

        JsonNode r = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        double bdAsr = r.at("/backdoored/asr").asDouble();
        double bdCa = r.at("/backdoored/ca").asDouble();
        JsonNode tbar = r.at("/defenses/0");
        assertEquals("tbar", tbar.at("/defense").asText());
        double asr = tbar.at("/test/asr").asDouble();
        double ca = tbar.at("/test/ca").asDouble();
        System.out.printf("backdoored CA %.3f ASR %.3f -> TBAR CA %.3f ASR %.3f (alpha %s)%n", bdCa, bdAsr, ca, asr,
                tbar.at("/details/alpha").asText());
        assertTrue(bdAsr > 0.8, "the backdoor should take: ASR " + bdAsr);
        assertTrue(asr < bdAsr - 0.3, "TBAR should lower ASR substantially: " + bdAsr + " -> " + asr);
        assertTrue(ca > 0.6 * bdCa, "TBAR should keep most clean accuracy: " + bdCa + " -> " + ca);

        for (String f : new String[] {"manifest.json", "report.md", "report.html", "tbar-alpha-sweep.png",
                "backdoored.safetensors", "tbar-cleaned.safetensors", "trigger/trigger.safetensors"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        JsonNode manifest = new ObjectMapper().readTree(out.resolve("manifest.json").toFile());
        assertEquals("completed", manifest.at("/status").asText());
        assertTrue(manifest.at("/triggerHash").asText().matches("[0-9a-f]{64}"));
    }

    @Test
    void badInputGivesOneClearErrorAndExitCode2(@TempDir Path dir) {
        assertEquals(2, Main.run("demo", "--offline", "--out", dir.resolve("a").toString(), "--set", "tbar.ca_thresholdd=1"));
        assertEquals(2, Main.run("demo", "--offline", "--out", dir.resolve("b").toString(), "--attack", "no-such-attack"));
        assertEquals(2, Main.run("eval", "--data", dir.resolve("missing.tar.gz").toString()));
        assertEquals(2, Main.run("demo", "--offline", "--out", dir.resolve("c").toString(), "--model", "resnet7"));
    }

    @Test
    void dryRunPrintsTheResolvedConfig() {
        assertEquals(0, Main.run("demo", "--offline", "--dry-run", "--set", "tbar.ca_threshold=0.9"));
    }
}
