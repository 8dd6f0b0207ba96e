package dev.tbar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tbar.model.StateDict;
import dev.tbar.model.clip.ClipCheckpoint;
import dev.tbar.model.clip.ClipModel;
import dev.tbar.model.clip.TinyClip;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's "Using a real CLIP model" path: a Hugging Face directory given to the CLI as model.weights. */
class ClipCliTest {
    /** A Hugging Face CLIP directory: config.json, model.safetensors, vocab.json, merges.txt. */
    static Path hfDirectory(Path dir) {
        TinyClip.tokenizer(dir);
        try (NDManager m = NDManager.newBaseManager();
                StateDict w = new ClipModel(TinyClip.CONFIG).initialize(m, 5)) {
            ClipCheckpoint.saveHuggingFace(dir, TinyClip.CONFIG, w);
        }
        return dir;
    }

    @Test
    void evalRunsOnAHuggingFaceDirectoryFromAYamlConfig(@TempDir Path tmp) throws Exception {
        Path hf = hfDirectory(tmp.resolve("tiny-clip"));
        Path yaml = Files.writeString(tmp.resolve("clip.yaml"), String.join("\n",
                "data: {format: synthetic, image_size: 16, train_size: 40, test_size: 40}",
                "model:",
                "  name: clip",
                "  weights: " + hf,
                "  templates: [\"a photo of a {}.\", \"a drawing of a {}.\"]",
                "attack: {preset: badnets-cifar}", ""));
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            rc = Main.run("eval", "-c", yaml.toString(), "--json");
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, rc, out);
        JsonNode m = new ObjectMapper().readTree(out.substring(out.indexOf('{')));
        assertTrue(m.get("ca").asDouble() >= 0 && m.get("ca").asDouble() <= 1, out);
        assertTrue(m.get("asr").asDouble() >= 0 && m.get("asr").asDouble() <= 1, out);
        // a missing tokenizer is a clear user error (exit code 2)
        Files.delete(hf.resolve("merges.txt"));
        assertEquals(2, Main.run("eval", "-c", yaml.toString()));
    }
}
