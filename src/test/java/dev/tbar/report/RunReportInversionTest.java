package dev.tbar.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.eval.DefenseResult;
import dev.tbar.eval.Metrics;
import dev.tbar.eval.RunResults;
import dev.tbar.unlearn.DetailKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReportInversionTest {
    @Test
    void reportsTheDetectionAgainstTheTrueTarget(@TempDir Path dir) throws Exception {
        Map<String, Object> inv = new LinkedHashMap<>();
        inv.put(DetailKeys.FLAGGED, false);
        inv.put(DetailKeys.ANOMALY_INDEX, 1.25);
        inv.put(DetailKeys.CANDIDATE, 3);
        inv.put(DetailKeys.DETECTED_TARGET, 3);
        inv.put(DetailKeys.MAJORITY_SHARE, 0.5);
        inv.put(DetailKeys.TRUE_TARGET, 0);
        inv.put(DetailKeys.DETECTION_CORRECT, false);
        inv.put(DetailKeys.IMAGES_USED, 40);
        DefenseResult d = new DefenseResult("nc-unlearn", new Metrics(0.8, 0.7), 0.9, 0.1, 0.6, Double.NaN, 40, 0.01, 10, 1.0,
                Map.of(DetailKeys.INVERSION, inv), "", "");
        RunResults r = new RunResults("synthetic shapes", true, "resnet8", "badnets", 0, 1000, 100, null,
                new Metrics(0.9, 0.95), null, List.of(d), Map.of());
        RunReport.write(RunFolder.open(dir, false), r, "unlearn");
        String md = Files.readString(dir.resolve(Report.MARKDOWN_FILE));
        assertTrue(md.contains("Trigger inversion (nc-unlearn)"), md);
        assertTrue(md.contains("flagged no class (the smallest mask is class 3), anomaly index 1.25"), md);
        assertTrue(md.contains("The true target is 0: the detection is wrong."), md);
    }
}
