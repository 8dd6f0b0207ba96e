package dev.tbar.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tbar.TbarException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttackRegistryTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    @Test
    void configBindsFromSnakeCaseYaml() throws Exception {
        AttackConfig cfg = YAML.readValue("""
                preset: badnets-cifar
                target: 3
                poison_rate: 0.05
                seed: 42
                params:
                  size: 4
                  color: [255, 0, 0]
                """, AttackConfig.class);
        assertEquals("badnets-cifar", cfg.preset());
        assertEquals(3, cfg.target());
        assertEquals(0.05, cfg.poisonRate());
        assertEquals(42L, cfg.seed());
        assertEquals(List.of(255, 0, 0), cfg.params().get("color"));
        assertEquals("badnets", cfg.attackName());
        Trigger t = AttackRegistry.trigger(cfg, 3, 8, 8);
        assertEquals(4, t.parameters().get("size"));
    }

    @Test
    void absentKeysTakeDefaults() throws Exception {
        AttackConfig cfg = YAML.readValue("name: Blended\n", AttackConfig.class);
        assertEquals("blended", cfg.name());
        assertEquals(0, cfg.target());
        assertEquals(AttackConfig.DEFAULT_POISON_RATE, cfg.poisonRate());
        assertEquals(0L, cfg.seed());
        assertEquals(Map.of(), cfg.params());
    }

    @Test
    void invalidYamlValuesReachTheUserWithTheKeyNamed() {
        Exception e = assertThrows(Exception.class,
                () -> YAML.readValue("preset: sig-cifar\npoison_rate: 2\n", AttackConfig.class));
        assertTrue(e.getMessage().contains("poison_rate"), e.getMessage());
        assertTrue(e.getCause() instanceof TbarException, String.valueOf(e.getCause()));
    }

    @Test
    void everyPresetBuildsAtItsScale() {
        for (String p : AttackRegistry.presets()) {
            int size = p.endsWith("-clip") ? 224 : 32;
            Trigger t = AttackRegistry.trigger(AttackConfig.ofPreset(p, 0, 0.1, 1), 3, size, size);
            assertEquals(AttackRegistry.preset(p).attack(), t.name());
        }
        assertTrue(AttackRegistry.presets().containsAll(List.of("badnets-cifar", "blended-cifar", "wanet-cifar",
                "sig-cifar", "badnets-clip", "blended-clip", "wanet-clip", "sig-clip")));
    }

    @Test
    void unknownNamesListTheKnownOnes() {
        TbarException e = assertThrows(TbarException.class,
                () -> AttackRegistry.trigger(AttackConfig.of("trojan", 0, 0.1, 1, Map.of()), 3, 8, 8));
        assertTrue(e.getMessage().contains("trojan") && e.getMessage().contains("badnets"), e.getMessage());
        e = assertThrows(TbarException.class,
                () -> AttackRegistry.trigger(AttackConfig.ofPreset("badnets-imagenet", 0, 0.1, 1), 3, 8, 8));
        assertTrue(e.getMessage().contains("badnets-imagenet") && e.getMessage().contains("badnets-cifar"),
                e.getMessage());
        e = assertThrows(TbarException.class, () -> AttackRegistry.trigger(
                new AttackConfig("blended", "badnets-cifar", 0, 0.1, 1L, Map.of()), 3, 8, 8));
        assertTrue(e.getMessage().contains("badnets-cifar"), e.getMessage());
    }

    @Test
    void badConfigValuesNameTheKey() {
        TbarException e = assertThrows(TbarException.class,
                () -> new AttackConfig("badnets", null, 0, 1.5, 1L, Map.of()));
        assertTrue(e.getMessage().contains("poison_rate"), e.getMessage());
        e = assertThrows(TbarException.class, () -> new AttackConfig("badnets", null, -1, 0.1, 1L, Map.of()));
        assertTrue(e.getMessage().contains("target"), e.getMessage());
        e = assertThrows(TbarException.class, () -> new AttackConfig(null, " ", 0, 0.1, 1L, Map.of()));
        assertTrue(e.getMessage().contains("preset"), e.getMessage());
    }

    @Test
    void saveWritesFilesAndHashDependsOnSeed(@TempDir Path dir) throws Exception {
        for (String p : AttackRegistry.presets()) {
            if (p.endsWith("-clip")) {
                continue;
            }
            Trigger a = AttackRegistry.trigger(AttackConfig.ofPreset(p, 0, 0.1, 1), 3, 8, 8);
            Trigger a2 = AttackRegistry.trigger(AttackConfig.ofPreset(p, 0, 0.1, 1), 3, 8, 8);
            Trigger b = AttackRegistry.trigger(AttackConfig.ofPreset(p, 0, 0.1, 2), 3, 8, 8);
            assertEquals(a.sha256(), a2.sha256(), p);
            assertEquals(64, a.sha256().length());
            if (p.startsWith("blended") || p.startsWith("wanet")) { // white patches and sinusoids are not random
                assertNotEquals(a.sha256(), b.sha256(), p);
            }
            Path out = dir.resolve(p);
            List<Path> files = a.save(out);
            assertTrue(files.contains(out.resolve("trigger.safetensors")), p);
            assertTrue(files.contains(out.resolve("trigger-example.png")), p);
            for (Path f : files) {
                assertTrue(Files.size(f) > 0, f.toString());
            }
            try (var m = ai.djl.ndarray.NDManager.newBaseManager()) {
                var contents = dev.tbar.model.Safetensors.read(out.resolve("trigger.safetensors"), m);
                assertEquals(a.sha256(), contents.metadata().get("sha256"));
                assertEquals(a.name(), contents.metadata().get("attack"));
                assertTrue(!contents.tensors().isEmpty());
            }
        }
        Trigger white = AttackRegistry.trigger(AttackConfig.ofPreset("badnets-cifar", 0, 0.1, 1), 3, 8, 8);
        Trigger noise1 = AttackRegistry.trigger(AttackConfig.ofPreset("badnets-cifar", 0, 0.1, 1)
                .withParam("color", "noise"), 3, 8, 8);
        Trigger noise2 = AttackRegistry.trigger(AttackConfig.ofPreset("badnets-cifar", 0, 0.1, 2)
                .withParam("color", "noise"), 3, 8, 8);
        assertNotEquals(white.sha256(), noise1.sha256());
        assertNotEquals(noise1.sha256(), noise2.sha256());
    }
}
