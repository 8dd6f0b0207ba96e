package dev.tbar.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tbar.unlearn.DetailKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Run folders written before result keys were made camelCase throughout still read: the fixtures are cut from a real
 * bench folder of that time (cells/cifar10/badnets-cifar/seed-0, sweeps and loss lists shortened).
 */
class LeaderboardLegacyTest {
    private static final String CELL = """
            {"dataset": "cifar10", "attack": "badnets-cifar", "seed": 0,
             "pretrained": {"ca": 0.8094, "asr": 0.009777777777777778},
             "backdoored": {"ca": 0.814, "asr": 0.888},
             "implantImagesPerSecond": 149.17326151835886, "implantSeconds": 134.072284781, "poisonedSetSize": 10000}
            """;
    private static final String TBAR = """
            {"defense": "tbar", "test": {"ca": 0.7768, "asr": 0.32355555555555554},
             "caRetention": 95.42997542997544, "asrReduction": 63.56356356356357, "imagesUsed": 200,
             "dataFraction": 0.02, "steps": 20, "seconds": 262.923970634,
             "details": {"alpha": 2.5, "validation_ca_floor": 0.7960999999999999, "validation_base_ca": 0.838,
              "validation": {"alpha": 2.5, "ca": 0.797, "asr": 0.3233333333333333},
              "sweep": [{"alpha": 0.2, "ca": 0.841, "asr": 0.8655555555555555}, {"alpha": 0.0, "ca": 0.838, "asr": 0.89},
                        {"alpha": 0.1, "ca": 0.839, "asr": 0.88}],
              "trigger_vector_norm": 0.7122646046871128, "trigger_set_size": 200, "images_used": 200,
              "finetune": {"steps": 20, "imagesSeen": 1000, "seconds": 6.570767254, "stepLosses": [0.338, 0.231]}}}
            """;
    private static final String FINE_PRUNING = """
            {"defense": "fine-pruning", "test": {"ca": 0.80, "asr": 0.85}, "caRetention": 98.3, "asrReduction": 4.3,
             "imagesUsed": 200, "dataFraction": 0.02, "steps": 20, "seconds": 12.5,
             "details": {"pruned_channels": 17, "feature_channels": 64, "validation_ca_floor": 0.7961,
              "sweep": [{"pruned": 1, "ca": 0.837}, {"pruned": 2, "ca": 0.837}], "images_used": 200}}
            """;

    @Test
    void aLegacyBenchFolderGivesItsRowsAndAlphaCurves(@TempDir Path dir) throws Exception {
        Path cell = dir.resolve(Leaderboard.CELLS + "/cifar10/badnets-cifar/seed-0");
        Files.createDirectories(cell);
        Files.writeString(cell.resolve(Leaderboard.CELL_FILE), CELL);
        Files.writeString(cell.resolve(Leaderboard.DEFENSE_PREFIX + "tbar.json"), TBAR);
        Files.writeString(cell.resolve(Leaderboard.DEFENSE_PREFIX + "fine-pruning.json"), FINE_PRUNING);

        List<Leaderboard.Row> rows = Leaderboard.rows(Leaderboard.read(dir));
        assertEquals(List.of("backdoored", "fine-pruning", "tbar"), rows.stream().map(Leaderboard.Row::model).toList());
        assertEquals(0.888, rows.get(0).asr().mean());
        assertEquals(134.072284781, rows.get(0).seconds().mean());
        Leaderboard.Row tbar = rows.get(2);
        assertEquals(0.7768, tbar.ca().mean());
        assertEquals(95.42997542997544, tbar.caRetention().mean());
        assertEquals(200, tbar.imagesUsed().mean());

        Leaderboard.write(RunFolder.open(dir, true), "legacy", Map.of());
        String md = Files.readString(dir.resolve(Report.MARKDOWN_FILE));
        assertTrue(md.contains("cifar10/badnets-cifar/tbar: validation CA and ASR"), md);
        assertTrue(!md.contains("badnets-cifar/fine-pruning: validation"), "a pruning sweep is no alpha curve");
        assertTrue(Files.isRegularFile(dir.resolve("plots/alpha-cifar10-badnets-cifar-tbar.png")));
    }

    @Test
    void fieldReadsTheCamelCaseKeyOrItsOldSnakeCaseSpelling() throws Exception {
        JsonNode legacy = Json.mapper().readTree(TBAR).get("details");
        assertEquals(0.7960999999999999, Json.field(legacy, DetailKeys.VALIDATION_CA_FLOOR).asDouble());
        assertEquals(0.7122646046871128, Json.field(legacy, DetailKeys.TRIGGER_VECTOR_NORM).asDouble());
        assertEquals(200, Json.field(legacy, DetailKeys.IMAGES_USED).asInt());
        JsonNode current = Json.mapper().readTree("{\"validationCaFloor\": 0.5, \"validation_ca_floor\": 0.1}");
        assertEquals(0.5, Json.field(current, DetailKeys.VALIDATION_CA_FLOOR).asDouble(), "the current key wins");
        assertTrue(Json.field(legacy, "noSuchKey").isMissingNode());
        assertTrue(Json.field(Json.field(legacy, "noSuchKey"), "deeper").isMissingNode());
        assertEquals("mask_l1", Json.snakeCase("maskL1"));
        assertEquals("trigger_sha256", Json.snakeCase("triggerSha256"));
        assertEquals("detection_correct", Json.snakeCase(DetailKeys.DETECTION_CORRECT));
    }
}
