package dev.tbar.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Identical content gives identical bytes, whatever order the caller's metadata map iterates in. */
class SafetensorsWriteTest {
    @Test
    void metadataOrderDoesNotChangeTheBytes(@TempDir Path dir) throws Exception {
        Map<String, String> ab = new LinkedHashMap<>();
        ab.put("attack", "badnets");
        ab.put("target", "0");
        Map<String, String> ba = new LinkedHashMap<>();
        ba.put("target", "0");
        ba.put("attack", "badnets");
        try (NDManager m = NDManager.newBaseManager()) {
            Safetensors.write(dir.resolve("a"), Map.of("w", m.ones(new Shape(3))), ab);
            Safetensors.write(dir.resolve("b"), Map.of("w", m.ones(new Shape(3))), ba);
        }
        assertArrayEquals(Files.readAllBytes(dir.resolve("a")), Files.readAllBytes(dir.resolve("b")));
    }
}
