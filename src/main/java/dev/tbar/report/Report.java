package dev.tbar.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A small document (title + blocks) rendered to both Markdown and HTML, so the two never drift apart. Text is plain:
 * renderers escape it, so a class name like {@code <unk>} or a value with '|' shows as written. Build it fluently:
 * {@code new Report("TBAR run").heading(2, "Results").table(header, rows).figure("ca_asr.png", "CA and ASR")}.
 */
public final class Report {
    public static final String MARKDOWN_FILE = "report.md";
    public static final String HTML_FILE = "report.html";

    /** One piece of the document. */
    public sealed interface Block permits Heading, Paragraph, KeyValues, Table, Figure, Callout {}

    /** A section heading; level 2..6 (level 1 is the report's title). */
    public record Heading(int level, String text) implements Block {
        public Heading {
            if (level < 2 || level > 6) {
                throw new IllegalArgumentException("heading level must be 2..6 (1 is the title), got " + level);
            }
            Objects.requireNonNull(text, "text");
        }
    }

    /** Plain text; a newline is a line break. */
    public record Paragraph(String text) implements Block {
        public Paragraph {
            Objects.requireNonNull(text, "text");
        }
    }

    public record Entry(String key, String value) {
        public Entry {
            Objects.requireNonNull(key, "key");
            value = value == null ? "" : value;
        }
    }

    /** Label/value pairs (settings, provenance), in order. */
    public record KeyValues(List<Entry> entries) implements Block {
        public KeyValues {
            entries = List.copyOf(entries);
        }
    }

    public enum Align { LEFT, RIGHT, CENTER }

    /** A table with a header row; every row has the header's width. */
    public record Table(List<String> header, List<List<String>> rows, List<Align> align) implements Block {
        public Table {
            header = List.copyOf(header);
            if (header.isEmpty()) {
                throw new IllegalArgumentException("table needs at least one column");
            }
            List<List<String>> copy = new ArrayList<>();
            for (int r = 0; r < rows.size(); r++) {
                List<String> row = rows.get(r);
                if (row.size() != header.size()) {
                    throw new IllegalArgumentException("table row " + r + " has " + row.size() + " cells, the"
                            + " header has " + header.size());
                }
                copy.add(Collections.unmodifiableList(row.stream().map(c -> c == null ? "" : c).toList()));
            }
            rows = List.copyOf(copy);
            align = align == null ? autoAlign(header.size(), rows) : List.copyOf(align);
            if (align.size() != header.size()) {
                throw new IllegalArgumentException("table has " + header.size() + " columns but " + align.size()
                        + " alignments");
            }
        }
    }

    /** An image file (path relative to the report's folder, '/'-separated) with a caption; numbered on render. */
    public record Figure(String path, String caption) implements Block {
        public Figure {
            Objects.requireNonNull(path, "path");
            caption = caption == null ? "" : caption;
            if (path.isBlank() || Path.of(path).isAbsolute() || path.startsWith("/") || path.contains("\\")) {
                throw new IllegalArgumentException("figure path must be relative to the report with '/', got "
                        + path);
            }
        }
    }

    public enum Kind { NOTE, WARNING }

    /** A highlighted note or warning. */
    public record Callout(Kind kind, String text) implements Block {
        public Callout {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(text, "text");
        }
    }

    // numbers, percentages, signed differences, durations: right-aligned so digits line up
    private static final Pattern NUMERIC = Pattern.compile(
            "[-+]?(\\d[\\d,]*(\\.\\d+)?|\\.\\d+)([eE][-+]?\\d+)?\\s*(%|pp|ms|s|x)?"
                    + "|n/a|[-+]?inf|NaN|-|\\d+m \\d+s|\\d+h \\d+m \\d+s");

    private final String title;
    private final List<Block> blocks = new ArrayList<>();

    public Report(String title) {
        this.title = Objects.requireNonNull(title, "title");
    }

    public String title() {
        return title;
    }

    public List<Block> blocks() {
        return Collections.unmodifiableList(blocks);
    }

    public Report add(Block block) {
        blocks.add(Objects.requireNonNull(block, "block"));
        return this;
    }

    public Report heading(int level, String text) {
        return add(new Heading(level, text));
    }

    public Report paragraph(String text) {
        return add(new Paragraph(text));
    }

    /** Pairs in the map's iteration order (use a LinkedHashMap); values are shown with toString. */
    public Report keyValues(Map<String, ?> pairs) {
        List<Entry> entries = new ArrayList<>();
        pairs.forEach((k, v) -> entries.add(new Entry(k, v == null ? "" : v.toString())));
        return add(new KeyValues(entries));
    }

    /** A table whose numeric-looking columns are right-aligned. */
    public Report table(List<String> header, List<List<String>> rows) {
        return add(new Table(header, rows, null));
    }

    public Report table(List<String> header, List<List<String>> rows, List<Align> align) {
        return add(new Table(header, rows, align));
    }

    public Report figure(String relativePath, String caption) {
        return add(new Figure(relativePath, caption));
    }

    public Report note(String text) {
        return add(new Callout(Kind.NOTE, text));
    }

    public Report warning(String text) {
        return add(new Callout(Kind.WARNING, text));
    }

    /** The Markdown rendering ({@link MarkdownRenderer}). */
    public String markdown() {
        return MarkdownRenderer.render(this);
    }

    /** The HTML rendering; figures are read from {@code baseDir} when embedded. */
    public String html(Path baseDir, HtmlRenderer.Images images) {
        return HtmlRenderer.render(this, baseDir, images);
    }

    /** Writes report.md and report.html (figures base64-embedded, so the HTML stands alone) into the run folder. */
    public void writeTo(RunFolder run) {
        writeTo(run, HtmlRenderer.Images.EMBED);
    }

    public void writeTo(RunFolder run, HtmlRenderer.Images images) {
        String md = markdown();
        String html = html(run.dir(), images); // before writing anything: a missing figure fails cleanly
        run.writeString(MARKDOWN_FILE, md);
        run.writeString(HTML_FILE, html);
    }

    private static List<Align> autoAlign(int columns, List<List<String>> rows) {
        List<Align> out = new ArrayList<>();
        for (int c = 0; c < columns; c++) {
            boolean numeric = !rows.isEmpty();
            boolean any = false;
            for (List<String> row : rows) {
                String cell = row.get(c).trim();
                if (cell.isEmpty()) {
                    continue;
                }
                any = true;
                numeric &= NUMERIC.matcher(cell).matches();
            }
            out.add(numeric && any ? Align.RIGHT : Align.LEFT);
        }
        return out;
    }
}
