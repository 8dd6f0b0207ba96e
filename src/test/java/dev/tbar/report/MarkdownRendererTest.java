package dev.tbar.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MarkdownRendererTest {
    /** The Markdown of a report holding only {@code block}, without the title line. */
    private static String body(Report.Block block) {
        String md = new Report("T").add(block).markdown();
        return md.substring("# T\n\n".length());
    }

    @Test
    void titleAndHeadingsEscapeTheirText() {
        Report r = new Report("Run <1> | *bold*").heading(2, "Step #").heading(3, "C# and F#s");
        assertEquals("# Run \\<1> \\| \\*bold\\*\n\n## Step \\#\n\n### C# and F#s\n", r.markdown());
        assertThrows(IllegalArgumentException.class, () -> new Report.Heading(1, "title level"));
        assertThrows(IllegalArgumentException.class, () -> new Report.Heading(7, "too deep"));
    }

    @Test
    void paragraphsShowTextLiterally() {
        assertEquals("a \\<b> & \\&amp; \\`x\\` \\[link\\](u) \\\\ \\~\n", body(new Report.Paragraph(
                "a <b> & &amp; `x` [link](u) \\ ~")));
        // underscores inside words never emphasise, so file names stay readable
        assertEquals("trigger_vector.safetensors \\_emph\\_ 2 \\* 3\n",
                body(new Report.Paragraph("trigger_vector.safetensors _emph_ 2 * 3")));
        // a line that would start a heading, list, quote or rule is escaped; newlines are hard breaks
        assertEquals("\\# not a heading\\\n1\\. not a list\\\n\\- nor this\\\n\\> nor a quote\\\n\\---\n",
                body(new Report.Paragraph("# not a heading\n1. not a list\n- nor this\n> nor a quote\n---")));
    }

    @Test
    void keyValuesAreABoldLabelledList() {
        Map<String, Object> kv = new LinkedHashMap<>();
        kv.put("Seed", 42);
        kv.put("Model *", "resnet20\nv2");
        kv.put("Empty", null);
        assertEquals("- **Seed:** 42\n- **Model \\*:** resnet20 v2\n- **Empty:** \n",
                new Report("T").keyValues(kv).markdown().substring(5));
    }

    @Test
    void tablesArePaddedAlignedAndEscapePipes() {
        Report.Table t = new Report.Table(List.of("Method", "CA"), List.of(
                List.of("TBAR | α=1", "90.11%"),
                List.of("FT\nlong", "-")), null);
        assertEquals(List.of(Report.Align.LEFT, Report.Align.RIGHT), t.align());
        assertEquals(""
                + "| Method      |     CA |\n"
                + "| ----------- | -----: |\n"
                + "| TBAR \\| α=1 | 90.11% |\n"
                + "| FT long     |      - |\n", body(t));
        Report.Table centred = new Report.Table(List.of("a"), List.of(List.of("x")), List.of(Report.Align.CENTER));
        assertEquals("| a   |\n| :-: |\n| x   |\n", body(centred));
        assertThrows(IllegalArgumentException.class,
                () -> new Report.Table(List.of("a", "b"), List.of(List.of("only one")), null));
    }

    @Test
    void figuresAreNumberedImagesWithEncodedPaths() {
        Report r = new Report("T").figure("plots/ca asr (1).png", "CA [and] ASR").figure("b.png", "");
        assertEquals("# T\n\n![CA \\[and\\] ASR](plots/ca%20asr%20%281%29.png)\n\n*Figure 1. CA \\[and\\] ASR*\n\n"
                + "![Figure 2.](b.png)\n\n*Figure 2.*\n", r.markdown());
        assertThrows(IllegalArgumentException.class, () -> new Report.Figure("/abs/a.png", "x"));
        assertThrows(IllegalArgumentException.class, () -> new Report.Figure("a\\b.png", "x"));
    }

    @Test
    void calloutsAreLabelledQuotes() {
        assertEquals("> **Note:** ASR counts non-target images.\n",
                body(new Report.Callout(Report.Kind.NOTE, "ASR counts non-target images.")));
        assertEquals("> **Warning:** first <line>\\\n> \\# second\n",
                body(new Report.Callout(Report.Kind.WARNING, "first <line>\n# second")).replace("\\<", "<"));
    }
}
