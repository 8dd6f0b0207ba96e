package dev.tbar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tbar.experiment.Benchmark;
import dev.tbar.report.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark matrix on tiny generated data: two seeds make a leaderboard with confidence intervals, and a second
 * run with one more defense reuses the stored backdoored models and finished results instead of recomputing them.
 */
class BenchResumeTest {
    static final List<String> TINY = List.of("--set", "data.format=synthetic", "--set", "data.path=",
            "--set", "data.image_size=12", "--set", "data.train_size=400", "--set", "data.test_size=100",
            "--set", "model.name=resnet8", "--set", "model.weights=", "--set", "split.defender_fraction=0.3",
            "--set", "implant.epochs=1", "--set", "tbar.finetune.epochs=1", "--set", "tbar.alphas.steps=3",
            "--set", "tbar.bn_recalibration=20", "--set", "finetune.train.epochs=1", "--attacks", "badnets-cifar",
            "--seeds", "0,1", "--trigger-fraction", "0.1");

    static String[] args(Path out, String defenses) {
        List<String> a = new ArrayList<>(List.of("bench", "--out", out.toString(), "--set", "defenses=" + defenses));
        a.addAll(TINY);
        return a.toArray(String[]::new);
    }

    @Test
    void seedsAggregateAndAnExtendedRunResumes(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("bench");
        assertEquals(0, Main.run(args(out, "[finetune]")));
        Path seed0 = out.resolve(Benchmark.cellDir("cifar10", "badnets-cifar", 0));
        Path ft = seed0.resolve("defense-finetune.json");
        Path bd = seed0.resolve(Benchmark.BACKDOORED_FILE);
        assertTrue(Files.isRegularFile(ft) && Files.isRegularFile(bd));
        assertFalse(Files.exists(seed0.resolve("defense-tbar.json")));
        JsonNode board = Json.read(out.resolve("leaderboard.json"));
        assertEquals("never poisoned", board.at("/rows/0/model").asText());
        assertEquals("backdoored", board.at("/rows/1/model").asText());
        JsonNode ftRow = board.at("/rows/2");
        assertEquals("finetune", ftRow.at("/model").asText());
        assertEquals(2, ftRow.at("/der/n").asInt());
        assertEquals(2, ftRow.at("/regainedAsr/n").asInt());
        assertEquals(2, ftRow.at("/ra/n").asInt());
        assertEquals(2, board.at("/rows/0/regainedAsr/n").asInt(), "the never-poisoned model is retuned too");
        assertEquals(2, ftRow.at("/ca/n").asInt());
        assertTrue(Double.isFinite(ftRow.at("/ca/ci95").asDouble()), "two seeds give an interval");

        FileTime ftTime = Files.getLastModifiedTime(ft);
        FileTime bdTime = Files.getLastModifiedTime(bd);
        assertEquals(0, Main.run(args(out, "[tbar, finetune]")));
        assertEquals(ftTime, Files.getLastModifiedTime(ft), "a finished result is kept");
        assertEquals(bdTime, Files.getLastModifiedTime(bd), "the stored backdoored model is reused");
        assertTrue(Files.isRegularFile(seed0.resolve("defense-tbar.json")));
        assertEquals(4, Json.read(out.resolve("leaderboard.json")).at("/rows").size());
        String report = Files.readString(out.resolve("report.md"));
        assertTrue(report.contains("Alpha sensitivity"), report);
        assertTrue(Files.isRegularFile(out.resolve("plots/alpha-cifar10-badnets-cifar-tbar.png")));

        Files.delete(out.resolve("report.md"));
        assertEquals(0, Main.run("bench", "--out", out.toString(), "--report-only"));
        assertEquals(bdTime, Files.getLastModifiedTime(bd), "--report-only runs nothing");
        assertTrue(Files.readString(out.resolve("report.md")).contains("| tbar"));
    }

    @Test
    void aDatasetWithoutPretrainedWeightsGetsOneCleanBase(@TempDir Path dir) throws Exception {
        List<String> a = new ArrayList<>(List.of("bench", "--out", dir.toString(), "--datasets", "gtsrb",
                "--set", "defenses=[finetune]", "--set", "implant.epochs=1"));
        a.addAll(TINY);
        a.set(a.indexOf("0,1"), "0");
        assertEquals(0, Main.run(a.toArray(String[]::new)));
        assertTrue(Files.isRegularFile(dir.resolve("bases/gtsrb.safetensors")));
        JsonNode base = Json.read(dir.resolve("bases/gtsrb.json"));
        assertTrue(base.at("/test/ca").asDouble() > 0, base.toString());
        Path cell = dir.resolve(Benchmark.cellDir("gtsrb", "badnets-cifar", 0));
        assertTrue(Files.isRegularFile(cell.resolve("defense-finetune.json")));
        // the base ran the pretraining overrides (6 epochs over every attacker image), not the 1-epoch implant
        assertEquals(6 * Json.read(cell.resolve("cell.json")).at("/poisonedSetSize").asLong(),
                base.at("/training/imagesSeen").asLong());
    }

    @Test
    void aStoredResultIsReusedOnlyForTheSettingsThatProducedIt(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("bench");
        List<String> oneSeed = new ArrayList<>(List.of(args(out, "[tbar-global, finetune]")));
        oneSeed.set(oneSeed.indexOf("0,1"), "0");
        assertEquals(0, Main.run(oneSeed.toArray(String[]::new)));
        Path cell = out.resolve(Benchmark.cellDir("cifar10", "badnets-cifar", 0));
        Path tbar = cell.resolve("defense-tbar-global.json");
        Path ft = cell.resolve("defense-finetune.json");
        Path bd = cell.resolve(Benchmark.BACKDOORED_FILE);
        String tbarHash = Json.read(tbar).at("/settingsHash").asText();
        FileTime ftTime = Files.getLastModifiedTime(ft);
        FileTime bdTime = Files.getLastModifiedTime(bd);

        // a changed TBAR setting reruns TBAR only; the old result is kept aside, not shown under the name
        List<String> changed = new ArrayList<>(oneSeed);
        changed.addAll(List.of("--set", "tbar.ca_threshold=0.5"));
        assertEquals(0, Main.run(changed.toArray(String[]::new)));
        assertEquals(tbarHash, Json.read(cell.resolve("stale/defense-tbar-global.json")).at("/settingsHash").asText());
        assertFalse(tbarHash.equals(Json.read(tbar).at("/settingsHash").asText()), "rerun with the new settings");
        assertEquals(ftTime, Files.getLastModifiedTime(ft), "fine-tuning does not read tbar.*: kept");
        assertEquals(bdTime, Files.getLastModifiedTime(bd), "the backdoored model is reused");

        // a changed attack invalidates the backdoored model and so every result of the cell
        changed.addAll(List.of("--set", "attack.poison_rate=0.2"));
        assertEquals(0, Main.run(changed.toArray(String[]::new)));
        assertTrue(Files.isRegularFile(cell.resolve("stale/" + Benchmark.BACKDOORED_FILE)));
        assertFalse(ftTime.equals(Files.getLastModifiedTime(ft)), "fine-tuning reran on the new backdoored model");
        assertEquals(2, Json.read(out.resolve("leaderboard.json")).at("/rows").size() - 2,
                "the leaderboard shows only the current results");

        // another seed with the first settings is a repetition of another setting: never pooled with seed 0
        List<String> seed1 = new ArrayList<>(oneSeed);
        seed1.set(seed1.indexOf("0"), "1");
        assertEquals(0, Main.run(seed1.toArray(String[]::new)));
        JsonNode rows = Json.read(out.resolve("leaderboard.json")).at("/rows");
        List<String> attacks = new ArrayList<>();
        rows.forEach(r -> attacks.add(r.at("/attack").asText()));
        assertTrue(attacks.contains("badnets-cifar [settings 1]") && attacks.contains("badnets-cifar [settings 2]"),
                attacks.toString());
        rows.forEach(r -> assertEquals(1, r.at("/ca/n").asInt(), "one seed per setting: " + r));
    }

    @Test
    void unknownDatasetIsAUserError(@TempDir Path dir) {
        assertEquals(2, Main.run("bench", "--out", dir.toString(), "--datasets", "imagenet"));
    }
}
