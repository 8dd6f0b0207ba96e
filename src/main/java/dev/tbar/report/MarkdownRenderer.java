package dev.tbar.report;

import dev.tbar.report.Report.Align;
import dev.tbar.report.Report.Block;
import dev.tbar.report.Report.Callout;
import dev.tbar.report.Report.Entry;
import dev.tbar.report.Report.Figure;
import dev.tbar.report.Report.Heading;
import dev.tbar.report.Report.KeyValues;
import dev.tbar.report.Report.Paragraph;
import dev.tbar.report.Report.Table;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Renders a {@link Report} as GitHub-flavoured Markdown (CommonMark + pipe tables). Text is escaped so that it shows
 * literally; tables are padded so the raw file reads well too.
 */
public final class MarkdownRenderer {
    private static final Pattern ENTITY = Pattern.compile("&(#\\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);.*",
            Pattern.DOTALL);
    // what would start a block at the start of a line: heading, list, quote, rule, ordered list
    private static final Pattern BLOCK_START = Pattern.compile("([#+=>-]).*|(\\d{1,9})([.)]).*", Pattern.DOTALL);

    private MarkdownRenderer() {}

    public static String render(Report report) {
        StringBuilder sb = new StringBuilder();
        sb.append("# ").append(headingText(report.title())).append("\n");
        int figure = 0;
        for (Block b : report.blocks()) {
            sb.append('\n');
            if (b instanceof Heading h) {
                sb.append("#".repeat(h.level())).append(' ').append(headingText(h.text())).append('\n');
            } else if (b instanceof Paragraph p) {
                sb.append(lines(p.text(), "")).append('\n');
            } else if (b instanceof KeyValues kv) {
                for (Entry e : kv.entries()) {
                    sb.append("- **").append(inline(e.key())).append(":** ").append(inline(oneLine(e.value())))
                            .append('\n');
                }
            } else if (b instanceof Table t) {
                table(sb, t);
            } else if (b instanceof Figure f) {
                figure++;
                String label = "Figure " + figure + ".";
                sb.append("![").append(inline(f.caption().isEmpty() ? label : f.caption())).append("](")
                        .append(url(f.path())).append(")\n\n");
                sb.append('*').append(label).append(f.caption().isEmpty() ? "" : " " + inline(oneLine(f.caption())))
                        .append("*\n");
            } else if (b instanceof Callout c) {
                String label = c.kind() == Report.Kind.WARNING ? "Warning:" : "Note:";
                sb.append("> **").append(label).append("** ").append(lines(c.text(), "> ").substring(2))
                        .append('\n');
            }
        }
        return sb.toString();
    }

    /** Heading text; a trailing '#' run would be read as the heading's closing sequence. */
    private static String headingText(String text) {
        return inline(oneLine(text)).replaceAll("(#+)$", "\\\\$1");
    }

    private static void table(StringBuilder sb, Table t) {
        int n = t.header().size();
        List<List<String>> cells = new ArrayList<>();
        cells.add(t.header().stream().map(MarkdownRenderer::cell).toList());
        t.rows().forEach(r -> cells.add(r.stream().map(MarkdownRenderer::cell).toList()));
        int[] width = new int[n];
        for (List<String> row : cells) {
            for (int c = 0; c < n; c++) {
                width[c] = Math.max(Math.max(width[c], 3), length(row.get(c)));
            }
        }
        for (int r = 0; r < cells.size(); r++) {
            row(sb, cells.get(r), width, t.align());
            if (r == 0) {
                sb.append('|');
                for (int c = 0; c < n; c++) {
                    Align a = t.align().get(c);
                    String dashes = "-".repeat(width[c] - (a == Align.LEFT ? 0 : a == Align.RIGHT ? 1 : 2));
                    sb.append(' ').append(a == Align.CENTER ? ":" : "").append(dashes)
                            .append(a == Align.LEFT ? "" : ":").append(" |");
                }
                sb.append('\n');
            }
        }
    }

    private static void row(StringBuilder sb, List<String> row, int[] width, List<Align> align) {
        sb.append('|');
        for (int c = 0; c < row.size(); c++) {
            String pad = " ".repeat(width[c] - length(row.get(c)));
            boolean right = align.get(c) == Align.RIGHT;
            sb.append(' ').append(right ? pad : "").append(row.get(c)).append(right ? "" : pad).append(" |");
        }
        sb.append('\n');
    }

    /** A table cell: one line, inline-escaped; '|' is escaped too (inline already does it). */
    private static String cell(String text) {
        return inline(oneLine(text));
    }

    private static String oneLine(String text) {
        return text.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    /** Paragraph text: each line escaped, joined with hard line breaks, every line prefixed. */
    private static String lines(String text, String prefix) {
        String[] parts = text.strip().split("\\R", -1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            sb.append(prefix).append(lineStart(inline(parts[i].strip())));
            if (i + 1 < parts.length) {
                sb.append("\\\n"); // backslash-newline: a hard break that survives trailing-space trimming
            }
        }
        return sb.toString();
    }

    /** Escapes a character that would turn a line into a heading, list item, rule or quote. */
    private static String lineStart(String line) {
        var m = BLOCK_START.matcher(line);
        if (!m.matches()) {
            return line;
        }
        if (m.group(1) != null) {
            return "\\" + line;
        }
        int dot = m.group(2).length();
        return line.substring(0, dot) + "\\" + line.substring(dot);
    }

    /** Escapes inline Markdown so that {@code text} shows literally. */
    static String inline(String text) {
        StringBuilder sb = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            switch (ch) {
                case '\\', '`', '*', '[', ']', '<', '|', '~' -> sb.append('\\').append(ch);
                case '_' -> {
                    // inside a word '_' never emphasises; escaping it there would only clutter file names
                    boolean inWord = i > 0 && i + 1 < text.length()
                            && Character.isLetterOrDigit(text.charAt(i - 1))
                            && Character.isLetterOrDigit(text.charAt(i + 1));
                    sb.append(inWord ? "_" : "\\_");
                }
                case '&' -> sb.append(ENTITY.matcher(text.substring(i)).matches() ? "\\&" : "&");
                case '\r', '\n' -> sb.append(' ');
                default -> sb.append(ch);
            }
        }
        return sb.toString();
    }

    /** Percent-encodes a relative path for a link destination (spaces, parentheses, non-ASCII). */
    static String url(String path) {
        StringBuilder sb = new StringBuilder();
        for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~/".indexOf(c) >= 0) {
                sb.append((char) c);
            } else {
                sb.append('%').append(String.format("%02X", c));
            }
        }
        return sb.toString();
    }

    private static int length(String s) {
        return s.codePointCount(0, s.length());
    }
}
