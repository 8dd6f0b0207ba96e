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

/**
 * Identical content gives identical bytes, whatever order the caller's metadata map iterates in; and the reader
 * holds files to the format exactly.
 */
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

    private static Path file(Path dir, String name, byte[] header, int dataBytes) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(PickleBytes.le(header.length, 8));
        out.write(header);
        out.write(new byte[dataBytes]);
        return Files.write(dir.resolve(name), out.toByteArray());
    }

    @Test
    void malformedHeadersAreRefusedByWhatIsWrong(@TempDir Path dir) throws Exception {
        String t = "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"a\":" + t + ",\"a\":" + t + "}", "Duplicate field 'a'");
        cases.put("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", "invalid dimension");
        cases.put("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4],\"data_offsets\":[0,8]}}",
                "overflows");
        cases.put("{\"a\":" + t + ",\"b\":" + t + "}", "share their bytes");
        int i = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            for (var c : cases.entrySet()) {
                Path f = file(dir, "f" + i++, c.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8), 8);
                dev.tbar.TbarException e = org.junit.jupiter.api.Assertions.assertThrows(
                        dev.tbar.TbarException.class, () -> Safetensors.read(f, m));
                org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(c.getValue()), e.getMessage());
            }
            byte[] bad = ("{\"a\u00ff\":" + t + "}").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            Path f = file(dir, "latin1", bad, 8);
            dev.tbar.TbarException e = org.junit.jupiter.api.Assertions.assertThrows(dev.tbar.TbarException.class,
                    () -> Safetensors.read(f, m));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
        }
    }
}
