package dev.tbar.report;

import dev.tbar.TbarException;
import dev.tbar.report.Report.Align;
import dev.tbar.report.Report.Block;
import dev.tbar.report.Report.Callout;
import dev.tbar.report.Report.Entry;
import dev.tbar.report.Report.Figure;
import dev.tbar.report.Report.Heading;
import dev.tbar.report.Report.KeyValues;
import dev.tbar.report.Report.Paragraph;
import dev.tbar.report.Report.Table;
import dev.tbar.util.Errors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Renders a {@link Report} as one HTML5 file with inline CSS and no scripts or external resources. Figures are
 * either embedded as base64 {@code data:} URIs ({@link Images#EMBED}: the file stands alone and can be mailed) or
 * linked by relative path ({@link Images#LINK}: smaller, needs the image files beside it).
 */
public final class HtmlRenderer {
    /** How figures reach the page. */
    public enum Images { EMBED, LINK }

    private static final String CSS = """
            :root{--fg:#1f2328;--muted:#59636e;--border:#d1d9e0;--alt:#f6f8fa}
            *{box-sizing:border-box}
            body{margin:0;background:#fff;color:var(--fg);font:15px/1.55 -apple-system,"Segoe UI",Roboto,\
            "Helvetica Neue",Arial,"DejaVu Sans",sans-serif}
            main{max-width:960px;margin:0 auto;padding:32px 24px 64px}
            h1{font-size:1.9em;margin:0 0 .8em;padding-bottom:.3em;border-bottom:2px solid var(--border)}
            h2{font-size:1.4em;margin:1.6em 0 .6em;padding-bottom:.25em;border-bottom:1px solid var(--border)}
            h3{font-size:1.15em;margin:1.3em 0 .5em}
            h4,h5,h6{font-size:1em;margin:1.1em 0 .4em}
            p{margin:.6em 0}
            .table-wrap{overflow-x:auto;margin:.8em 0}
            table{border-collapse:collapse;font-size:.94em}
            th,td{border:1px solid var(--border);padding:6px 12px;vertical-align:top}
            thead th{background:var(--alt);font-weight:600;text-align:left}
            tbody tr:nth-child(even){background:#fafbfc}
            .r{text-align:right;font-variant-numeric:tabular-nums}
            .c{text-align:center}
            table.kv th{background:var(--alt);font-weight:600;text-align:left;white-space:nowrap}
            table.kv td{overflow-wrap:anywhere;font-variant-numeric:tabular-nums}
            figure{margin:1.4em 0;text-align:center}
            figure img{max-width:100%;height:auto;border:1px solid var(--border);border-radius:6px}
            figcaption{color:var(--muted);font-size:.92em;margin-top:.45em}
            figcaption b{color:var(--fg)}
            .callout{margin:1em 0;padding:10px 14px;border-left:4px solid;border-radius:6px}
            .callout.note{border-color:#0969da;background:#ddf4ff}
            .callout.warning{border-color:#bf8700;background:#fff8c5}
            .callout .label{font-weight:600;margin-right:.4em}
            @media print{main{max-width:none;padding:0}figure,table{break-inside:avoid}}
            """;

    private HtmlRenderer() {}

    /** The whole page; {@code baseDir} is where figure paths are resolved (read for EMBED, sized for both). */
    public static String render(Report report, Path baseDir, Images images) {
        StringBuilder sb = new StringBuilder(4096);
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<meta name=\"generator\" content=\"tbar\">\n")
                .append("<title>").append(escape(report.title())).append("</title>\n")
                .append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n<main>\n")
                .append("<h1>").append(escape(report.title())).append("</h1>\n");
        int figure = 0;
        for (Block b : report.blocks()) {
            if (b instanceof Heading h) {
                sb.append("<h").append(h.level()).append('>').append(escape(h.text()))
                        .append("</h").append(h.level()).append(">\n");
            } else if (b instanceof Paragraph p) {
                sb.append("<p>").append(multiline(p.text())).append("</p>\n");
            } else if (b instanceof KeyValues kv) {
                sb.append("<div class=\"table-wrap\"><table class=\"kv\">\n<tbody>\n");
                for (Entry e : kv.entries()) {
                    sb.append("<tr><th scope=\"row\">").append(escape(e.key())).append("</th><td>")
                            .append(multiline(e.value())).append("</td></tr>\n");
                }
                sb.append("</tbody>\n</table></div>\n");
            } else if (b instanceof Table t) {
                table(sb, t);
            } else if (b instanceof Figure f) {
                figure++;
                figure(sb, f, figure, baseDir, images);
            } else if (b instanceof Callout c) {
                boolean warn = c.kind() == Report.Kind.WARNING;
                sb.append("<div class=\"callout ").append(warn ? "warning" : "note").append("\" role=\"")
                        .append(warn ? "alert" : "note").append("\"><span class=\"label\">")
                        .append(warn ? "Warning" : "Note").append("</span>").append(multiline(c.text()))
                        .append("</div>\n");
            }
        }
        return sb.append("</main>\n</body>\n</html>\n").toString();
    }

    private static void table(StringBuilder sb, Table t) {
        sb.append("<div class=\"table-wrap\"><table>\n<thead>\n<tr>");
        for (int c = 0; c < t.header().size(); c++) {
            sb.append("<th scope=\"col\"").append(cls(t.align().get(c))).append('>')
                    .append(escape(t.header().get(c))).append("</th>");
        }
        sb.append("</tr>\n</thead>\n<tbody>\n");
        for (List<String> row : t.rows()) {
            sb.append("<tr>");
            for (int c = 0; c < row.size(); c++) {
                sb.append("<td").append(cls(t.align().get(c))).append('>').append(multiline(row.get(c)))
                        .append("</td>");
            }
            sb.append("</tr>\n");
        }
        sb.append("</tbody>\n</table></div>\n");
    }

    private static String cls(Align a) {
        return a == Align.RIGHT ? " class=\"r\"" : a == Align.CENTER ? " class=\"c\"" : "";
    }

    private static void figure(StringBuilder sb, Figure f, int number, Path baseDir, Images images) {
        Path base = baseDir.toAbsolutePath().normalize();
        Path file = base.resolve(f.path()).normalize();
        if (!file.startsWith(base)) {
            throw new TbarException("report figure " + f.path() + ": must stay inside " + base);
        }
        String src;
        byte[] bytes = null;
        if (images == Images.EMBED) {
            try {
                bytes = Files.readAllBytes(file);
            } catch (IOException e) {
                throw new TbarException(file + ": cannot read figure image for the HTML report: " + Errors.reason(e),
                        e);
            }
            src = "data:" + mime(f.path()) + ";base64," + Base64.getEncoder().encodeToString(bytes);
        } else {
            src = MarkdownRenderer.url(f.path());
            if (Files.isRegularFile(file)) {
                try (var in = Files.newInputStream(file)) {
                    bytes = in.readNBytes(24); // the PNG header, only to size the image box
                } catch (IOException ignored) {
                    bytes = null; // a link to a missing image is the reader's problem, not the report's
                }
            }
        }
        String label = "Figure " + number + ".";
        sb.append("<figure>\n<img src=\"").append(escape(src)).append("\" alt=\"")
                .append(escape(f.caption().isEmpty() ? label : f.caption())).append('"').append(size(bytes))
                .append(">\n<figcaption><b>").append(label).append("</b>");
        if (!f.caption().isEmpty()) {
            sb.append(' ').append(escape(f.caption()));
        }
        sb.append("</figcaption>\n</figure>\n");
    }

    /** width/height attributes from a PNG header, so the page does not jump while images load. */
    private static String size(byte[] png) {
        if (png == null || png.length < 24 || (png[0] & 0xff) != 0x89 || png[1] != 'P' || png[12] != 'I'
                || png[13] != 'H' || png[14] != 'D' || png[15] != 'R') {
            return "";
        }
        return " width=\"" + bigEndian(png, 16) + "\" height=\"" + bigEndian(png, 20) + "\"";
    }

    private static long bigEndian(byte[] b, int at) {
        return ((b[at] & 0xffL) << 24) | ((b[at + 1] & 0xffL) << 16) | ((b[at + 2] & 0xffL) << 8) | (b[at + 3] & 0xffL);
    }

    private static String mime(String path) {
        String lower = path.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".png")) {
            return "image/png";
        } else if (lower.endsWith(".svg")) {
            return "image/svg+xml";
        } else if (lower.endsWith(".jpg") || lower.endsWith(".jpeg")) {
            return "image/jpeg";
        } else if (lower.endsWith(".gif")) {
            return "image/gif";
        }
        throw new TbarException("report figure " + path + ": cannot embed; expected a .png, .svg, .jpg or .gif file");
    }

    /** Escaped text whose line breaks are kept. */
    private static String multiline(String text) {
        return escape(text.strip()).replaceAll("\\R", "<br>\n");
    }

    /** Escapes text for element content and double- or single-quoted attributes. */
    static String escape(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            switch (ch) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(ch);
            }
        }
        return sb.toString();
    }
}
