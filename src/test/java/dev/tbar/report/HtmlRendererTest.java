package dev.tbar.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.TbarException;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlRendererTest {
    private static String html(Report r, Path dir, HtmlRenderer.Images images) {
        return r.html(dir, images);
    }

    /** The blocks, without the page head and title. */
    private static String main(String html) {
        return html.substring(html.indexOf("</h1>\n") + 6, html.indexOf("</main>"));
    }

    private static int count(String s, String part) {
        return s.split(Pattern.quote(part), -1).length - 1;
    }

    @Test
    void documentIsSelfContainedAndEscapesTheTitle(@TempDir Path dir) {
        String h = html(new Report("A <b>&</b> \"run\""), dir, HtmlRenderer.Images.EMBED);
        assertTrue(h.startsWith("<!DOCTYPE html>\n<html lang=\"en\">"));
        assertTrue(h.contains("<title>A &lt;b&gt;&amp;&lt;/b&gt; &quot;run&quot;</title>"), h);
        assertTrue(h.contains("<h1>A &lt;b&gt;&amp;&lt;/b&gt; &quot;run&quot;</h1>"));
        assertTrue(h.contains("<style>") && !h.contains("<link") && !h.contains("<script"),
                "inline CSS, no external resources, no scripts");
    }

    @Test
    void eachBlockRendersAndEscapes(@TempDir Path dir) {
        Map<String, Object> kv = new LinkedHashMap<>();
        kv.put("Seed <s>", 42);
        Report r = new Report("T")
                .heading(2, "Results & <notes>")
                .paragraph("line <1>\nline 'two'")
                .keyValues(kv)
                .table(List.of("Method", "CA"), List.of(List.of("TBAR | <x>", "90.11%")))
                .note("see <this>")
                .warning("careful & slow");
        assertEquals(""
                + "<h2>Results &amp; &lt;notes&gt;</h2>\n"
                + "<p>line &lt;1&gt;<br>\nline &#39;two&#39;</p>\n"
                + "<div class=\"table-wrap\"><table class=\"kv\">\n<tbody>\n"
                + "<tr><th scope=\"row\">Seed &lt;s&gt;</th><td>42</td></tr>\n</tbody>\n</table></div>\n"
                + "<div class=\"table-wrap\"><table>\n<thead>\n"
                + "<tr><th scope=\"col\">Method</th><th scope=\"col\" class=\"r\">CA</th></tr>\n</thead>\n<tbody>\n"
                + "<tr><td>TBAR | &lt;x&gt;</td><td class=\"r\">90.11%</td></tr>\n</tbody>\n</table></div>\n"
                + "<div class=\"callout note\" role=\"note\"><span class=\"label\">Note</span>see &lt;this&gt;</div>\n"
                + "<div class=\"callout warning\" role=\"alert\"><span class=\"label\">Warning</span>careful &amp;"
                + " slow</div>\n", main(html(r, dir, HtmlRenderer.Images.EMBED)));
    }

    @Test
    void embeddedFiguresCarryTheImageBytesAndSize(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("plots"));
        BufferedImage img = new BufferedImage(30, 20, BufferedImage.TYPE_INT_RGB);
        ImageIO.write(img, "png", dir.resolve("plots/a b.png").toFile());
        byte[] png = Files.readAllBytes(dir.resolve("plots/a b.png"));
        Report r = new Report("T").figure("plots/a b.png", "CA \"vs\" <ASR>");

        String embedded = html(r, dir, HtmlRenderer.Images.EMBED);
        Matcher m = Pattern.compile("<img src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\" alt=\"CA &quot;vs&quot;"
                + " &lt;ASR&gt;\" width=\"30\" height=\"20\">").matcher(embedded);
        assertTrue(m.find(), embedded);
        assertArrayEquals(png, Base64.getDecoder().decode(m.group(1)));
        assertTrue(embedded.contains("<figcaption><b>Figure 1.</b> CA &quot;vs&quot; &lt;ASR&gt;</figcaption>"));

        String linked = html(r, dir, HtmlRenderer.Images.LINK);
        assertTrue(linked.contains("<img src=\"plots/a%20b.png\" alt=\"CA &quot;vs&quot; &lt;ASR&gt;\" width=\"30\""
                + " height=\"20\">"), linked);
        assertFalse(linked.contains("base64"));
    }

    @Test
    void missingOrEscapingFiguresAreReported(@TempDir Path dir) {
        TbarException e = assertThrows(TbarException.class,
                () -> html(new Report("T").figure("gone.png", "x"), dir, HtmlRenderer.Images.EMBED));
        assertTrue(e.getMessage().contains("gone.png"), e.getMessage());
        assertThrows(TbarException.class,
                () -> html(new Report("T").figure("../up.png", "x"), dir, HtmlRenderer.Images.LINK));
        // linking to an image that is not there yet is allowed: it may be copied beside the page later
        assertTrue(html(new Report("T").figure("later.png", ""), dir, HtmlRenderer.Images.LINK)
                .contains("<img src=\"later.png\" alt=\"Figure 1.\">"));
    }

    @Test
    void tagsAreBalanced(@TempDir Path dir) {
        Report r = new Report("T").heading(3, "h").paragraph("p").table(List.of("a"), List.of(List.of("1")))
                .keyValues(Map.of("k", "v")).note("n");
        String h = html(r, dir, HtmlRenderer.Images.EMBED);
        for (String tag : List.of("table", "tr", "td", "th", "div", "p", "h3", "thead", "tbody")) {
            assertEquals(count(h, "<" + tag + ">") + count(h, "<" + tag + " "), count(h, "</" + tag + ">"), tag);
        }
    }
}
