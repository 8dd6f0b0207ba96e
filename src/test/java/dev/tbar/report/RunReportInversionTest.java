package dev.tbar.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.eval.DefenseResult;
import dev.tbar.eval.Metrics;
import dev.tbar.eval.RunResults;
import dev.tbar.unlearn.InversionReport;
import dev.tbar.unlearn.NcUnlearn;
import dev.tbar.unlearn.TriggerInversion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReportInversionTest {
    @Test
    void reportsTheDetectionAgainstTheTrueTarget(@TempDir Path dir) throws Exception {
        TriggerInversion.Report inv = new TriggerInversion.Report(false, 1.25, 3, 3, 0.5, 0, false, 12, 0.9, "",
                40, 1.0, List.of());
        DefenseResult d = new DefenseResult("nc-unlearn", new Metrics(0.8, 0.7), 0.9, 0.1, 0.6, Double.NaN, 40,
                0.01, 10, 1.0, new InversionReport.Inverted(inv, new NcUnlearn.Details(8, null)), "", "");
        RunResults r = new RunResults("synthetic shapes", true, "resnet8", "badnets", 0, 1000, 100, null,
                new Metrics(0.9, 0.95), null, List.of(d), Map.of());
        RunReport.write(RunFolder.open(dir, false), r, "unlearn");
        String md = Files.readString(dir.resolve(Report.MARKDOWN_FILE));
        assertTrue(md.contains("Trigger inversion (nc-unlearn)"), md);
        assertTrue(md.contains("flagged no class (the smallest mask is class 3), anomaly index 1.25"), md);
        assertTrue(md.contains("The true target is 0: the detection is wrong."), md);
    }
}
