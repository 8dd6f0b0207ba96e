package dev.tbar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tbar.Shared;
import dev.tbar.model.Checkpoints;
import dev.tbar.model.StateDict;
import dev.tbar.model.TorchScriptClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's own TorchScript model through the whole loop: tbar plants a backdoor in it, TBAR removes it, and the
 * cleaned model comes back as TorchScript that holds exactly the cleaned weights.
 */
class TorchScriptEndToEndTest {
    @Test
    void tbarCleansATorchScriptModelAndWritesItBack(@TempDir Path dir) throws Exception {
        Path ts = Shared.require("fixtures/torchscript/resnet20-akamaster.ts.pt");
        Path out = dir.resolve("run");
        assertEquals(0, Main.run("demo", "--offline", "--out", out.toString(), "--model", "torchscript", "--weights", ts.toString(),
                "--set", "data.image_size=32", "--set", "data.train_size=1500", "--set", "data.test_size=400",
                "--set", "implant.epochs=10", "--set", "implant.batch_size=64", "--set", "implant.lr=0.05",
                "--set", "implant.warmup=0.05", "--set", "tbar.finetune.epochs=4",
                "--set", "tbar.alphas.max=4", "--set", "tbar.alphas.steps=21", "--set", "tbar.ca_threshold=0.8",
                "--set", "tbar.bn_recalibration=100", "--set", "attack.params={size: 4}", "--set", "defenses=[tbar]"));
        JsonNode r = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        double bdAsr = r.at("/backdoored/asr").asDouble();
        double asr = r.at("/defenses/0/test/asr").asDouble();
        double ca = r.at("/defenses/0/test/ca").asDouble();
        assertTrue(bdAsr > 0.35, "the backdoor should take: ASR " + bdAsr);
        assertTrue(asr < 0.1 && ca > 0.8, "TBAR should remove it: ASR " + bdAsr + " -> " + asr + ", CA " + ca);

        // fine-pruning needs penultimate features, which a TorchScript program does not expose: refused up front
        Path refused = dir.resolve("refused");
        assertEquals(2, Main.run("demo", "--offline", "--out", refused.toString(), "--model", "torchscript", "--weights",
                ts.toString(), "--set", "data.image_size=32", "--set", "defenses=[fine-pruning]"));
        assertTrue(!Files.exists(refused.resolve("backdoored.safetensors")));

        try (NDManager m = NDManager.newBaseManager()) {
            TorchScriptClassifier cleaned = TorchScriptClassifier.load(out.resolve("tbar-cleaned.pt"),
                    new int[] {3, 32, 32}, null, m);
            StateDict fromTs = cleaned.initialize(m, 0);
            StateDict fromSafetensors = Checkpoints.load(cleaned, out.resolve("tbar-cleaned.safetensors"), m);
            for (String k : fromSafetensors.names()) {
                NDArray d = fromTs.get(k).sub(fromSafetensors.get(k)).abs().max();
                assertEquals(0, d.getFloat(), 0, k);
            }
        }
    }
}
