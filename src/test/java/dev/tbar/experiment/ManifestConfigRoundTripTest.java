package dev.tbar.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tbar.config.Configs;
import dev.tbar.report.GitInfo;
import dev.tbar.report.Json;
import dev.tbar.report.Manifest;
import dev.tbar.report.Timings;
import dev.tbar.report.Versions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run's manifest.json {@code config} block is a config file: {@code --config} reads it back to the same record. */
class ManifestConfigRoundTripTest {
    private static final Pattern CAMEL = Pattern.compile(".*[a-z0-9][A-Z].*");

    /** Settings that differ from the defaults in every kind of field: numbers, enums, lists, maps, nested sections. */
    private static ExperimentConfig changed() {
        return Configs.load(ExperimentConfig.class, ExperimentConfig.defaults(), null, List.of(
                "seed=7", "data.image_size=16", "split.test_limit=50", "split.defender_fraction=0.1",
                "implant.optimizer=adamw", "implant.schedule=constant", "implant.max_steps=9", "implant.decay_1d=true",
                "implant.warmup=0.25", "attack.poison_rate=0.2", "attack.params.size=4",
                "defenses=[tbar, fine-pruning]", "tbar.ca_threshold=0.9", "tbar.alphas.steps=5",
                "fine_pruning.max_prune_fraction=0.5", "nc_unlearn.triggered_fraction=0.3", "adaptive.lambda=0.5",
                "model.templates=['a photo of {}']"));
    }

    private static Manifest manifest() {
        Versions v = new Versions("test", "17", "vendor", "0.36.0", "PyTorch", "2.7.1", "linux", "amd64", 2, 1024,
                "OMP_NUM_THREADS=1", "cpu -> cpu()");
        return Manifest.start("pipeline", List.of("pipeline"), v, GitInfo.unknown(),
                Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC), new Timings());
    }

    @Test
    void theConfigBlockLoadsBackThroughConfigToAnEqualRecord(@TempDir Path dir) throws Exception {
        ExperimentConfig cfg = changed();
        assertNotEquals(ExperimentConfig.defaults(), cfg);
        Path file = dir.resolve(Manifest.FILE);
        manifest().config(cfg).completed().writeTo(file);

        JsonNode block = Json.read(file).get("config");
        List<String> camel = new ArrayList<>();
        keys(block, "", camel);
        assertTrue(camel.isEmpty(), "config keys in the config language (snake_case): " + camel);
        assertEquals(0.2, block.at("/attack/poison_rate").asDouble());
        assertEquals(50, block.at("/split/test_limit").asInt());

        Path copy = dir.resolve("config.json"); // what a user does: jq .config manifest.json > config.json
        Files.writeString(copy, Json.pretty(block));
        ExperimentConfig back = Configs.load(ExperimentConfig.class, ExperimentConfig.defaults(), copy, List.of());
        assertEquals(cfg, back);
    }

    @Test
    void aBenchManifestHoldsOneLoadableConfigPerDataset(@TempDir Path dir) throws Exception {
        ExperimentConfig cfg = changed();
        Path file = dir.resolve(Manifest.FILE);
        manifest().config(Map.of("cifar10", cfg)).writeTo(file);
        Path copy = dir.resolve("cifar10.yaml");
        Files.writeString(copy, Configs.toYaml(Json.read(file).at("/config/cifar10")));
        assertEquals(cfg, Configs.load(ExperimentConfig.class, ExperimentConfig.defaults(), copy, List.of()));
        assertTrue(Json.read(file).at("/config/cifar10/data/imageSize").isMissingNode(), "no record-style keys");
    }

    /** Every object key whose name has a lower-to-upper case step; map keys chosen by users have none here. */
    private static void keys(JsonNode n, String at, List<String> camel) {
        if (n.isObject()) {
            n.fields().forEachRemaining(e -> {
                if (CAMEL.matcher(e.getKey()).matches()) {
                    camel.add(at + "/" + e.getKey());
                }
                keys(e.getValue(), at + "/" + e.getKey(), camel);
            });
        } else if (n.isArray()) {
            n.forEach(c -> keys(c, at + "[]", camel));
        }
    }
}
