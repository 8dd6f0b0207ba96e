package dev.tbar.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.font.FontRenderContext;
import java.awt.font.TextLayout;
import java.awt.geom.Rectangle2D;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.HeatMapStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The look shared by all report charts: white background, light grid, colour-blind-safe palette, legend below. */
final class ChartStyle {
    /** Okabe-Ito colours (distinguishable with the common colour-vision deficiencies), yellow left out. */
    static final Color[] PALETTE = {
        new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7),
        new Color(0xE69F00), new Color(0x56B4E9), new Color(0x000000), new Color(0x999999)
    };
    private static final Marker[] MARKERS = {
        SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE, SeriesMarkers.DIAMOND, SeriesMarkers.TRIANGLE_UP,
        SeriesMarkers.TRIANGLE_DOWN, SeriesMarkers.CIRCLE, SeriesMarkers.SQUARE, SeriesMarkers.DIAMOND
    };
    /** Sequential light-to-dark ramp, dark end kept light enough for black value labels. */
    private static final Color[] RAMP = {
        new Color(0xF7FCF0), new Color(0xCCEBC5), new Color(0x7BCCC4), new Color(0x43A2CA), new Color(0x2B8CBE)
    };
    private static final Color TEXT = new Color(0x1F2328);
    private static final Color GRID = new Color(0xE3E6EA);
    private static final String FONT = Font.SANS_SERIF;

    private ChartStyle() {}

    static void common(Styler s) {
        s.setChartBackgroundColor(Color.WHITE)
                .setPlotBackgroundColor(Color.WHITE)
                .setPlotBorderVisible(true)
                .setPlotBorderColor(new Color(0xC8CDD3))
                .setChartFontColor(TEXT)
                .setChartTitleFont(new Font(FONT, Font.BOLD, 18))
                .setChartTitleBoxVisible(false)
                .setChartTitlePadding(12)
                .setChartPadding(14)
                .setLegendFont(new Font(FONT, Font.PLAIN, 13))
                .setLegendBackgroundColor(Color.WHITE)
                .setLegendBorderColor(Color.WHITE)
                .setLegendPadding(8)
                .setAntiAlias(true);
    }

    static void axes(AxesChartStyler s, boolean xPercent, boolean yPercent) {
        common(s);
        s.setLegendSeriesLineLength(28);
        s.setAxisTitleFont(new Font(FONT, Font.PLAIN, 14))
                .setAxisTickLabelsFont(new Font(FONT, Font.PLAIN, 12))
                .setAxisTickLabelsColor(TEXT)
                .setAxisTickMarksColor(new Color(0x8C959F))
                .setAxisTitlePadding(8)
                .setAxisTickPadding(6)
                .setPlotGridLinesColor(GRID)
                .setPlotGridLinesStroke(new BasicStroke(1f))
                .setPlotMargin(6)
                .setXAxisTickMarkSpacingHint(70)
                .setYAxisTickMarkSpacingHint(45);
        s.setAnnotationTextFont(new Font(FONT, Font.PLAIN, 12));
        s.setAnnotationTextFontColor(new Color(0x3D444D));
        s.setMarkerSize(8);
        if (xPercent) {
            s.setXAxisDecimalPattern("#0%");
        }
        if (yPercent) {
            s.setYAxisDecimalPattern("#0%");
        }
    }

    static void heatmap(HeatMapStyler s, double[] range, boolean percent, boolean showValues) {
        common(s);
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setAxisTitleFont(new Font(FONT, Font.PLAIN, 14))
                .setAxisTickLabelsFont(new Font(FONT, Font.PLAIN, 12))
                .setAxisTickLabelsColor(TEXT)
                .setAxisTitlePadding(8)
                .setPlotGridLinesVisible(false) // would show through blank (NaN) cells
                .setPlotContentSize(1.0);
        s.setRangeColors(RAMP)
                .setMin(range[0])
                .setMax(range[1])
                .setShowValue(showValues)
                .setValueFont(new Font(FONT, Font.PLAIN, 11))
                .setValueFontColor(TEXT)
                .setHeatMapValueDecimalPattern(percent ? "0.0'%'" : "0.###")
                .setGradientColorColumnHeight(300)
                .setGradientColorColumnWeight(16);
    }

    /**
     * Legend below the plot in one row, unless the labels' glyph boxes differ in height: XChart places legend text
     * by its glyph box, so in one row a label with descenders ("Fine-tuning") sits lower than one without ("TBAR").
     * Then the legend goes to the right, one label per row, where that cannot show; so it does when one row would be
     * wider than the chart.
     */
    /** Legend width per entry besides its text (marker and gaps), a generous estimate for XChart's default style. */
    private static final double LEGEND_ENTRY_PADDING = 45;

    static void legend(XYChart chart) {
        Font font = chart.getStyler().getLegendFont();
        FontRenderContext frc = new FontRenderContext(null, true, false);
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        double rowWidth = 0;
        for (XYSeries s : chart.getSeriesMap().values()) {
            Rectangle2D b = new TextLayout(s.getLabel(), font, frc).getOutline(null).getBounds2D();
            lo = Math.min(lo, b.getHeight());
            hi = Math.max(hi, b.getHeight());
            rowWidth += b.getWidth() + LEGEND_ENTRY_PADDING;
        }
        boolean oneRow = hi - lo < 1.0 && rowWidth < chart.getWidth();
        chart.getStyler().setLegendPosition(oneRow ? Styler.LegendPosition.OutsideS : Styler.LegendPosition.OutsideE);
        chart.getStyler().setLegendLayout(oneRow ? Styler.LegendLayout.Horizontal : Styler.LegendLayout.Vertical);
    }

    static void line(XYSeries s, int i) {
        Color c = PALETTE[i % PALETTE.length];
        s.setLineColor(c);
        s.setMarkerColor(c);
        s.setMarker(MARKERS[i % MARKERS.length]);
        s.setLineStyle(new BasicStroke(2.4f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
    }

    static void point(XYSeries s, int i) {
        s.setMarkerColor(PALETTE[i % PALETTE.length]);
        s.setMarker(MARKERS[i % MARKERS.length]);
    }

    /** {lo, hi} widened by 5% each side (or by 1 for a flat series), so points do not sit on the plot border. */
    static double[] padded(double lo, double hi) {
        double pad = hi > lo ? (hi - lo) * 0.05 : hi == 0 ? 1 : Math.abs(hi) * 0.05;
        return new double[] {lo - pad, hi + pad};
    }

    /** A percent axis range: the data padded by 10% (at least a 10-point window), in 5% steps, within 0..1. */
    static double[] percentRange(double lo, double hi) {
        double span = Math.max(hi - lo, 0.1);
        double mid = (lo + hi) / 2;
        double a = Math.max(0, Math.floor((Math.min(lo, mid - span / 2) - span * 0.1) * 20 + 1e-9) / 20);
        double b = Math.min(1, Math.ceil((Math.max(hi, mid + span / 2) + span * 0.1) * 20 - 1e-9) / 20);
        return new double[] {a, b};
    }

    /**
     * {lo, hi} rounded outwards to two significant digits of the span, so the colour legend (which prints its
     * bounds as raw numbers) reads like "0.25" and not "0.24999999999".
     */
    static double[] nice(double lo, double hi) {
        if (hi <= lo) {
            double d = Math.max(Math.abs(lo) * 0.05, 1e-9);
            lo -= d;
            hi += d;
        }
        double step = Math.pow(10, Math.floor(Math.log10(hi - lo)) - 1);
        double a = Math.floor(lo / step) * step;
        double b = Math.ceil(hi / step) * step;
        int digits = (int) Math.max(0, -Math.floor(Math.log10(step)));
        return new double[] {round(a, digits), round(b, digits)};
    }

    private static double round(double v, int digits) {
        return new java.math.BigDecimal(v).setScale(digits, java.math.RoundingMode.HALF_UP).doubleValue();
    }
}
