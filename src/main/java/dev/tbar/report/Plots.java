package dev.tbar.report;

import dev.tbar.util.AtomicFiles;
import dev.tbar.util.Errors;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Report charts drawn with XChart, headless, written atomically as PNG (and SVG beside it on request). Line charts
 * for metrics along a sweep (CA and ASR vs alpha, with the chosen alpha marked), labelled scatter plots (CA vs ASR
 * of each method and setting), and heat maps of a value over a 2-D grid.
 */
public final class Plots {
    static {
        // charts are drawn off-screen; without this a server JVM with no display can fail inside AWT
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    public static final int WIDTH = 800;
    public static final int HEIGHT = 500;

    /**
     * Chart options. Percent axes take fractions (0.5 shows as 50%) and span 0..100%; {@code markerX} draws a
     * dashed vertical line named {@code markerLabel} in the legend; {@code percentValues} formats heat-map values.
     */
    public record Options(int width, int height, boolean xPercent, boolean yPercent, Double markerX,
            String markerLabel, boolean percentValues, boolean svg) {
        public Options {
            if (width < 100 || height < 100) {
                throw new IllegalArgumentException("chart size must be at least 100x100, got " + width + "x" + height);
            }
        }

        public static Options standard() {
            return new Options(WIDTH, HEIGHT, false, false, null, null, false, false);
        }

        public Options withSize(int w, int h) {
            return new Options(w, h, xPercent, yPercent, markerX, markerLabel, percentValues, svg);
        }

        public Options withPercentX() {
            return new Options(width, height, true, yPercent, markerX, markerLabel, percentValues, svg);
        }

        public Options withPercentY() {
            return new Options(width, height, xPercent, true, markerX, markerLabel, percentValues, svg);
        }

        public Options withPercentValues() {
            return new Options(width, height, xPercent, yPercent, markerX, markerLabel, true, svg);
        }

        public Options withMarker(double x, String label) {
            return new Options(width, height, xPercent, yPercent, x, label, percentValues, svg);
        }

        /** Also writes an SVG next to the PNG (same name, .svg). */
        public Options withSvg() {
            return new Options(width, height, xPercent, yPercent, markerX, markerLabel, percentValues, true);
        }
    }

    /** A labelled point of a scatter plot; the label may be empty. */
    public record Point(double x, double y, String label) {}

    private Plots() {}

    /** Line chart with default options; each series is {@code {xs, ys}} of equal length. */
    public static Path lines(Path png, String title, String xLabel, String yLabel,
            LinkedHashMap<String, double[][]> series) {
        return lines(png, title, xLabel, yLabel, series, Options.standard());
    }

    public static Path lines(Path png, String title, String xLabel, String yLabel,
            LinkedHashMap<String, double[][]> series, Options o) {
        if (series.isEmpty()) {
            throw new IllegalArgumentException("line chart '" + title + "' has no series");
        }
        XYChart chart = xyChart(title, xLabel, yLabel, o);
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        int i = 0;
        for (Map.Entry<String, double[][]> e : series.entrySet()) {
            double[][] xy = e.getValue();
            if (xy == null || xy.length != 2 || xy[0].length != xy[1].length || xy[0].length == 0) {
                throw new IllegalArgumentException("series '" + e.getKey() + "' of chart '" + title
                        + "': expected {xs, ys} of equal non-zero length");
            }
            checkFinite(e.getKey(), title, xy[0]);
            checkFinite(e.getKey(), title, xy[1]);
            for (double y : xy[1]) {
                lo = Math.min(lo, y);
                hi = Math.max(hi, y);
            }
            XYSeries s = chart.addSeries(e.getKey(), xy[0], xy[1]);
            ChartStyle.line(s, i++);
        }
        double[] yRange = o.yPercent() ? new double[] {0, 1} : ChartStyle.padded(lo, hi);
        chart.getStyler().setYAxisMin(yRange[0]).setYAxisMax(yRange[1]);
        if (o.markerX() != null) {
            // a two-point series rather than an annotation, so the marker is named in the legend
            XYSeries m = chart.addSeries(o.markerLabel() == null ? "chosen" : o.markerLabel(),
                    new double[] {o.markerX(), o.markerX()}, yRange);
            m.setMarker(SeriesMarkers.NONE);
            m.setLineColor(new Color(0x55, 0x55, 0x55));
            m.setLineStyle(new BasicStroke(1.8f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                    new float[] {7f, 5f}, 0f));
        }
        if (!o.xPercent() && series.values().stream().allMatch(xy -> integral(xy[0]))) {
            chart.getStyler().setXAxisDecimalPattern("#,##0"); // epochs, steps: no "1.0"
        } else if (!o.xPercent()) {
            chart.getStyler().setXAxisDecimalPattern("0.0##"); // alpha: "1.0" next to "0.8", not "1"
        }
        ChartStyle.legend(chart);
        return save(chart, png, o);
    }

    /** Scatter plot of labelled point groups (e.g. "TBAR", "fine-tuning"), each label drawn beside its point. */
    public static Path scatter(Path png, String title, String xLabel, String yLabel,
            LinkedHashMap<String, List<Point>> groups, Options o) {
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("scatter chart '" + title + "' has no groups");
        }
        XYChart chart = xyChart(title, xLabel, yLabel, o);
        List<double[]> all = new ArrayList<>();
        PointLabels labels = new PointLabels();
        int i = 0;
        for (Map.Entry<String, List<Point>> e : groups.entrySet()) {
            List<Point> pts = e.getValue();
            if (pts.isEmpty()) {
                throw new IllegalArgumentException("group '" + e.getKey() + "' of chart '" + title + "' is empty");
            }
            double[] xs = pts.stream().mapToDouble(Point::x).toArray();
            double[] ys = pts.stream().mapToDouble(Point::y).toArray();
            checkFinite(e.getKey(), title, xs);
            checkFinite(e.getKey(), title, ys);
            XYSeries s = chart.addSeries(e.getKey(), xs, ys);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            ChartStyle.point(s, i++);
            for (Point p : pts) {
                all.add(new double[] {p.x(), p.y()});
                if (p.label() != null && !p.label().isBlank()) {
                    labels.add(p.x(), p.y(), p.label());
                }
            }
        }
        double[] xr = range(all, 0, o.xPercent());
        double[] yr = range(all, 1, o.yPercent());
        chart.getStyler().setXAxisMin(xr[0]).setXAxisMax(xr[1]).setYAxisMin(yr[0]).setYAxisMax(yr[1]);
        chart.addAnnotation(labels);
        ChartStyle.legend(chart);
        return save(chart, png, o);
    }

    /**
     * Heat map of {@code values[row][col]}: columns are {@code xTicks} (left to right), rows are {@code yTicks}
     * (bottom to top). NaN cells stay blank. Values are printed in cells when the grid is small enough to read.
     */
    public static Path heatmap(Path png, String title, String xLabel, String yLabel, List<String> xTicks,
            List<String> yTicks, double[][] values, Options o) {
        if (values.length != yTicks.size() || values.length == 0) {
            throw new IllegalArgumentException("heat map '" + title + "': " + values.length + " rows of values for "
                    + yTicks.size() + " y ticks (need equal, non-zero)");
        }
        double scale = o.percentValues() ? 100 : 1; // XChart's legend prints raw numbers: give it percent units
        List<Number[]> cells = new ArrayList<>();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int r = 0; r < values.length; r++) {
            if (values[r].length != xTicks.size()) {
                throw new IllegalArgumentException("heat map '" + title + "': row " + r + " has " + values[r].length
                        + " values for " + xTicks.size() + " x ticks");
            }
            for (int c = 0; c < values[r].length; c++) {
                double v = values[r][c];
                if (Double.isInfinite(v)) {
                    throw new IllegalArgumentException("heat map '" + title + "': value at row " + r + ", column "
                            + c + " is infinite");
                }
                if (!Double.isNaN(v)) {
                    cells.add(new Number[] {c, r, v * scale});
                    lo = Math.min(lo, v * scale);
                    hi = Math.max(hi, v * scale);
                }
            }
        }
        if (cells.isEmpty()) {
            throw new IllegalArgumentException("heat map '" + title + "': every value is NaN");
        }
        HeatMapChart chart = new HeatMapChartBuilder().width(o.width()).height(o.height()).title(title)
                .xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        double[] range = o.percentValues() ? new double[] {Math.min(0, lo), Math.max(100, hi)}
                : ChartStyle.nice(lo, hi);
        ChartStyle.heatmap(chart.getStyler(), range, o.percentValues(), xTicks.size() * yTicks.size() <= 196);
        chart.addSeries(title, xTicks, yTicks, cells);
        return save(chart, png, o);
    }

    /** Axis range of coordinate {@code k}: padded data range; percent axes zoom in steps of 5% within 0..100%. */
    private static double[] range(List<double[]> pts, int k, boolean percent) {
        double lo = pts.stream().mapToDouble(p -> p[k]).min().orElseThrow();
        double hi = pts.stream().mapToDouble(p -> p[k]).max().orElseThrow();
        return percent ? ChartStyle.percentRange(lo, hi) : ChartStyle.padded(lo, hi);
    }

    private static XYChart xyChart(String title, String xLabel, String yLabel, Options o) {
        XYChart chart = new XYChartBuilder().width(o.width()).height(o.height()).title(title).xAxisTitle(xLabel)
                .yAxisTitle(yLabel).build();
        ChartStyle.axes(chart.getStyler(), o.xPercent(), o.yPercent());
        return chart;
    }

    private static boolean integral(double[] v) {
        for (double d : v) {
            if (d != Math.rint(d)) {
                return false;
            }
        }
        return true;
    }

    private static void checkFinite(String series, String title, double[] v) {
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new IllegalArgumentException("series '" + series + "' of chart '" + title + "': value " + i
                        + " is " + v[i] + "; expected a finite number");
            }
        }
    }

    private static Path save(Chart<?, ?> chart, Path png, Options o) {
        byte[] bytes;
        try {
            bytes = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode chart as PNG: " + Errors.reason(e), e);
        }
        AtomicFiles.write(png, out -> out.write(bytes));
        if (o.svg()) {
            String name = png.getFileName().toString();
            int dot = name.lastIndexOf('.');
            Path svg = png.resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".svg");
            AtomicFiles.write(svg, out -> VectorGraphicsEncoder.saveVectorGraphic(chart, out,
                    VectorGraphicsEncoder.VectorGraphicsFormat.SVG));
        }
        return png;
    }
}
