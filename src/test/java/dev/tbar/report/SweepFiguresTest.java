package dev.tbar.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SweepFiguresTest {
    @Test
    void seedsAreAveragedAtTheAlphasAllOfThemTried() {
        var a = new SweepFigures.Sweep(new double[] {0, 1, 2}, new double[] {0.8, 0.7, 0.6},
                new double[] {0.9, 0.5, 0.1});
        var b = new SweepFigures.Sweep(new double[] {0, 1, 2, 3}, new double[] {0.6, 0.5, 0.4, 0.3},
                new double[] {0.7, 0.3, 0.1, 0.0});
        double[][] mean = SweepFigures.meanOverSeeds(List.of(a, b));
        assertArrayEquals(new double[] {70, 60, 50}, mean[0], 1e-9);
        assertArrayEquals(new double[] {80, 40, 10}, mean[1], 1e-9);
        var c = new SweepFigures.Sweep(new double[] {5}, new double[] {0.1}, new double[] {0.1});
        assertNull(SweepFigures.meanOverSeeds(List.of(a, c)), "no alpha in common: nothing to average");
    }

    @Test
    void variantsGetATradeoffFigureAndAValidationTableWithoutInvertedTriggerRuns(@TempDir Path dir)
            throws Exception {
        for (int seed = 0; seed < 2; seed++) {
            Path cell = dir.resolve(Leaderboard.CELLS + "/cifar10/badnets-cifar/seed-" + seed);
            Files.createDirectories(cell);
            Files.writeString(cell.resolve(Leaderboard.CELL_FILE), "{\"dataset\": \"cifar10\", \"attack\":"
                    + " \"badnets-cifar\", \"seed\": " + seed + ", \"backdoored\": {\"ca\": 0.8, \"asr\": 0.9}}");
            Files.writeString(cell.resolve("defense-tbar.json"), result("tbar", 0.2 + 0.1 * seed, ""));
            Files.writeString(cell.resolve("defense-tbar-mix.json"), result("tbar-mix", 0.5, ""));
            Files.writeString(cell.resolve("defense-tbar-inverted.json"),
                    result("tbar-inverted", 0.0, ", \"inversion\": {\"flagged\": true}"));
        }
        Leaderboard.write(RunFolder.open(dir, true), "variants", Map.of());
        String md = Files.readString(dir.resolve(Report.MARKDOWN_FILE)).replaceAll(" +", " ");
        assertTrue(Files.isRegularFile(dir.resolve("plots/tradeoff-cifar10-badnets-cifar.png")), md);
        // validation ASR: tbar-mix 0.5 on both seeds, tbar (0.2 + 0.3) / 2; CA 0.76 of a 0.8 base = 95%
        assertTrue(md.contains("| tbar-mix | 2 | 50.00 | 25.00 | 95.0 | 0 / 2 |"), md);
        assertFalse(md.contains("| tbar-inverted | 2 |"), "inverted-trigger ASR is another quantity: " + md);
    }

    private static String result(String name, double validationAsr, String extra) {
        return "{\"defense\": \"" + name + "\", \"test\": {\"ca\": 0.75, \"asr\": 0.3}, \"details\": {"
                + "\"validationBaseCa\": 0.8, \"validation\": {\"alpha\": 1.0, \"ca\": 0.76, \"asr\": " + validationAsr
                + "}, \"sweep\": [{\"alpha\": 0.0, \"ca\": 0.8, \"asr\": 0.9}, {\"alpha\": 1.0, \"ca\": 0.76,"
                + " \"asr\": " + validationAsr + "}]" + extra + "}}";
    }
}
