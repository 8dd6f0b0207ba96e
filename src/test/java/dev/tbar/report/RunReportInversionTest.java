package dev.tbar.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.eval.DefenseResult;
import dev.tbar.eval.Metrics;
import dev.tbar.eval.RunResults;
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
        inv.put("flagged", false);
        inv.put("anomaly_index", 1.25);
        inv.put("candidate", 3);
        inv.put("detected_target", 3);
        inv.put("majority_share", 0.5);
        inv.put("true_target", 0);
        inv.put("detection_correct", false);
        inv.put("images_used", 40);
        DefenseResult d = new DefenseResult("nc-unlearn", new Metrics(0.8, 0.7), 0.9, 0.1, 40, 0.01, 10, 1.0,
                Map.of("inversion", inv));
        RunResults r = new RunResults("synthetic shapes", true, "resnet8", "badnets", 0, 1000, 100, null,
                new Metrics(0.9, 0.95), null, List.of(d), Map.of());
        RunReport.write(RunFolder.open(dir, false), r, "unlearn");
        String md = Files.readString(dir.resolve(Report.MARKDOWN_FILE));
        assertTrue(md.contains("Trigger inversion (nc-unlearn)"), md);
        assertTrue(md.contains("flagged no class (the smallest mask is class 3), anomaly index 1.25"), md);
        assertTrue(md.contains("The true target is 0: the detection is wrong."), md);
    }
}
