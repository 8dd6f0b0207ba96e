package dev.tbar.report;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.font.TextLayout;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.internal.chartpart.Annotation;

/**
 * Text labels beside scatter points. XChart's own text annotation centres text on the point (hiding the marker);
 * this one offsets each label by a few pixels and tries eight spots around the point, taking the first that stays
 * inside the plot and overlaps no marker and no label placed before it.
 */
final class PointLabels extends Annotation {
    private static final int GAP = 7;
    private static final int MARKER = 5;

    private record Label(double x, double y, String text) {}

    private final List<Label> labels = new ArrayList<>();

    PointLabels() {
        super(false);
    }

    void add(double x, double y, String text) {
        labels.add(new Label(x, y, text));
    }

    @Override
    public void paint(Graphics2D g) {
        if (!isVisible || labels.isEmpty()) {
            return;
        }
        Object oldHint = g.getRenderingHint(RenderingHints.KEY_ANTIALIASING);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(styler.getAnnotationTextFontColor());
        g.setFont(styler.getAnnotationTextFont());
        double left = getXAxisScreenValueForMin();
        double right = getXAxisScreenValueForMax();
        double top = getYAxisScreenValueForMin();
        double bottom = getYAxisScreenValueForMax();
        List<Rectangle2D> placed = new ArrayList<>();
        for (Label l : labels) { // markers are obstacles too, so no label hides another point
            placed.add(new Rectangle2D.Double(getXAxisScreenValue(l.x()) - MARKER, getYAxisScreenValue(l.y()) - MARKER,
                    2 * MARKER, 2 * MARKER));
        }
        Rectangle2D all = null;
        for (Label l : labels) {
            TextLayout tl = new TextLayout(l.text(), styler.getAnnotationTextFont(), g.getFontRenderContext());
            Rectangle2D tb = tl.getBounds();
            double w = tb.getWidth();
            double h = tb.getHeight();
            double px = getXAxisScreenValue(l.x());
            double py = getYAxisScreenValue(l.y());
            // east, north-east, west, north-west, south-east, south-west, north, south of the point
            double[][] spots = {
                {px + GAP + 2, py - h / 2}, {px + GAP, py - GAP - h}, {px - GAP - 2 - w, py - h / 2},
                {px - GAP - w, py - GAP - h}, {px + GAP, py + GAP}, {px - GAP - w, py + GAP},
                {px - w / 2, py - GAP - 2 - h}, {px - w / 2, py + GAP + 2}
            };
            Rectangle2D box = null;
            for (double[] s : spots) {
                Rectangle2D r = new Rectangle2D.Double(s[0], s[1], w, h);
                boolean inside = r.getMinX() >= left && r.getMaxX() <= right && r.getMinY() >= top
                        && r.getMaxY() <= bottom;
                if (inside && placed.stream().noneMatch(p -> p.intersects(r))) {
                    box = r;
                    break;
                }
            }
            if (box == null) {
                box = new Rectangle2D.Double(spots[0][0], spots[0][1], w, h); // crowded: overlap beats vanishing
            }
            placed.add(box);
            tl.draw(g, (float) (box.getX() - tb.getX()), (float) (box.getY() - tb.getY()));
            all = all == null ? (Rectangle2D) box.clone() : all.createUnion(box);
        }
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, oldHint);
        bounds = all;
    }
}
