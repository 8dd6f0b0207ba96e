package dev.tbar.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.TbarException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A whole run folder as the CLI will write it: plot, results, report in both formats, manifest. */
class ReportTest {
    @Test
    void runFolderGetsBothRenderingsAndAManifestListingThem(@TempDir Path tmp) throws Exception {
        RunFolder run = RunFolder.open(tmp.resolve("run"), false);
        Manifest manifest = Manifest.start("unlearn", List.of("unlearn"), Versions.detect(), GitInfo.unknown(),
                java.time.Clock.systemUTC(), new Timings());
        LinkedHashMap<String, double[][]> s = new LinkedHashMap<>();
        s.put("CA", new double[][] {{0, 1, 2}, {0.9, 0.88, 0.8}});
        s.put("ASR", new double[][] {{0, 1, 2}, {1.0, 0.1, 0.0}});
        try (var t = manifest.timings().phase("report")) {
            Plots.lines(run.path("plots/sweep.png"), "Sweep", "alpha", "accuracy", s,
                    Plots.Options.standard().withPercentY().withMarker(1, "chosen"));
            run.writeJson("results.json", List.of(new Results(1.0, 0.88, 0.1)));
            new Report("TBAR run")
                    .table(List.of("alpha", "CA", "ASR"), List.of(List.of("1.0", Format.percent(0.88),
                            Format.percent(0.1))))
                    .figure("plots/sweep.png", "CA and ASR vs alpha")
                    .writeTo(run);
        }
        run.writeManifest(manifest.completed());

        String md = Files.readString(run.path(Report.MARKDOWN_FILE));
        assertTrue(md.contains("![CA and ASR vs alpha](plots/sweep.png)"), md);
        assertTrue(md.contains("|   1.0 | 88.00% | 10.00% |"), md); // numbers right-aligned
        String html = Files.readString(run.path(Report.HTML_FILE));
        assertTrue(html.contains("src=\"data:image/png;base64,") && html.contains("width=\"800\" height=\"500\""));
        var outputs = Json.read(run.path(Manifest.FILE)).get("outputs");
        assertEquals(List.of("plots/sweep.png", "report.html", "report.md", "results.json"),
                iterable(outputs.fieldNames()));
        try (Stream<Path> files = Files.walk(run.dir())) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")));
        }
    }

    @Test
    void aMissingFigureWritesNeitherRendering(@TempDir Path tmp) {
        RunFolder run = RunFolder.open(tmp.resolve("run"), false);
        Report r = new Report("T").paragraph("p").figure("missing.png", "x");
        assertThrows(TbarException.class, () -> r.writeTo(run));
        assertFalse(Files.exists(run.path(Report.MARKDOWN_FILE)));
        assertFalse(Files.exists(run.path(Report.HTML_FILE)));
        r.writeTo(run, HtmlRenderer.Images.LINK); // a link may point to a file that comes later
        assertTrue(Files.exists(run.path(Report.HTML_FILE)));
    }

    record Results(double alpha, double ca, double asr) {}

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
