package dev.tbar.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {
    private static BufferedImage read(Path png) throws Exception {
        assertTrue(Files.size(png) > 1000, png + " is too small to hold a chart");
        BufferedImage img = ImageIO.read(png.toFile());
        assertTrue(img != null, png + " is not a readable PNG");
        return img;
    }

    /** Whether some pixel is within a small distance of {@code rgb} (anti-aliasing blends edges). */
    private static boolean hasColour(BufferedImage img, int rgb) {
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y);
                int d = Math.abs(((p >> 16) & 255) - ((rgb >> 16) & 255)) + Math.abs(((p >> 8) & 255) - ((rgb >> 8)
                        & 255)) + Math.abs((p & 255) - (rgb & 255));
                if (d < 12) {
                    return true;
                }
            }
        }
        return false;
    }

    private static int colours(BufferedImage img) {
        Set<Integer> seen = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                seen.add(img.getRGB(x, y));
            }
        }
        return seen.size();
    }

    private static LinkedHashMap<String, double[][]> sweep() {
        double[] alpha = {0, 0.5, 1, 1.5, 2};
        LinkedHashMap<String, double[][]> s = new LinkedHashMap<>();
        s.put("Clean accuracy (CA)", new double[][] {alpha, {0.92, 0.92, 0.91, 0.89, 0.85}});
        s.put("Attack success rate (ASR)", new double[][] {alpha, {0.99, 0.8, 0.2, 0.03, 0.01}});
        return s;
    }

    @Test
    void lineChartIsAnEightHundredByFiveHundredPngWithBothSeries(@TempDir Path dir) throws Exception {
        Path png = Plots.lines(dir.resolve("ca_asr.png"), "CA and ASR vs alpha", "alpha", "accuracy", sweep(),
                Plots.Options.standard().withPercentY().withMarker(1.0, "chosen alpha = 1.0").withSvg());
        BufferedImage img = read(png);
        assertEquals(800, img.getWidth());
        assertEquals(500, img.getHeight());
        assertTrue(hasColour(img, ChartStyle.PALETTE[0].getRGB()), "first series colour drawn");
        assertTrue(hasColour(img, ChartStyle.PALETTE[1].getRGB()), "second series colour drawn");
        assertTrue(colours(img) > 50, "text and lines are anti-aliased, not a blank canvas");
        String svg = Files.readString(dir.resolve("ca_asr.svg"));
        assertTrue(svg.contains("<svg") && svg.trim().endsWith("</svg>"), "SVG written beside the PNG");
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("ca_asr.png", "ca_asr.svg"),
                    s.map(p -> p.getFileName().toString()).sorted().toList(), "no temporaries left");
        }
    }

    @Test
    void sameDataDrawsTheSameBytes(@TempDir Path dir) throws Exception {
        Plots.lines(dir.resolve("a.png"), "t", "x", "y", sweep());
        Plots.lines(dir.resolve("b.png"), "t", "x", "y", sweep());
        assertArrayEquals(Files.readAllBytes(dir.resolve("a.png")), Files.readAllBytes(dir.resolve("b.png")));
    }

    @Test
    void scatterWithLabelsHonoursTheRequestedSize(@TempDir Path dir) throws Exception {
        LinkedHashMap<String, List<Plots.Point>> g = new LinkedHashMap<>();
        g.put("TBAR", List.of(new Plots.Point(0.90, 0.02, "a=1.2"), new Plots.Point(0.88, 0.01, "a=1.5")));
        g.put("Fine-tuning", List.of(new Plots.Point(0.89, 0.35, "5 ep"), new Plots.Point(0.87, 0.30, "")));
        BufferedImage img = read(Plots.scatter(dir.resolve("s.png"), "CA vs ASR", "CA", "ASR", g,
                Plots.Options.standard().withPercentX().withPercentY().withSize(640, 400)));
        assertEquals(640, img.getWidth());
        assertEquals(400, img.getHeight());
        assertTrue(hasColour(img, ChartStyle.PALETTE[1].getRGB()));
    }

    @Test
    void heatmapDrawsAGridWithBlankNaNCells(@TempDir Path dir) throws Exception {
        double[][] v = {{0.1, 0.5, Double.NaN}, {0.2, 0.9, 0.7}};
        BufferedImage img = read(Plots.heatmap(dir.resolve("h.png"), "Disentanglement", "a1", "a2",
                List.of("-1", "0", "1"), List.of("0", "1"), v, Plots.Options.standard().withPercentValues()));
        assertEquals(800, img.getWidth());
        assertEquals(500, img.getHeight());
        assertTrue(colours(img) > 50);
    }

    @Test
    void malformedSeriesAreRejectedByName(@TempDir Path dir) {
        LinkedHashMap<String, double[][]> bad = new LinkedHashMap<>();
        bad.put("ASR", new double[][] {{0, 1}, {0.5}});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Plots.lines(dir.resolve("x.png"), "t", "x", "y", bad));
        assertTrue(e.getMessage().contains("'ASR'"), e.getMessage());
        bad.put("ASR", new double[][] {{0, 1}, {0.5, Double.NaN}});
        assertThrows(IllegalArgumentException.class, () -> Plots.lines(dir.resolve("x.png"), "t", "x", "y", bad));
        assertThrows(IllegalArgumentException.class,
                () -> Plots.lines(dir.resolve("x.png"), "t", "x", "y", new LinkedHashMap<>()));
        assertThrows(IllegalArgumentException.class, () -> Plots.heatmap(dir.resolve("h.png"), "t", "x", "y",
                List.of("a", "b"), List.of("c"), new double[][] {{1}}, Plots.Options.standard()));
        assertTrue(!Files.exists(dir.resolve("x.png")) && !Files.exists(dir.resolve("h.png")));
    }

    @Test
    void axisRangesAreReadable() {
        // a 10-point window at least, padded, in 5% steps: 0.835..0.955 widens to 80%..100%
        assertArrayEquals(new double[] {0.8, 1.0}, ChartStyle.percentRange(0.87, 0.92), 1e-12);
        assertArrayEquals(new double[] {0.3, 0.65}, ChartStyle.percentRange(0.33, 0.61), 1e-12);
        assertArrayEquals(new double[] {0.0, 1.0}, ChartStyle.percentRange(0.0, 0.99), 1e-12);
        assertArrayEquals(new double[] {0.12, 0.88}, ChartStyle.nice(0.1234, 0.8765), 1e-12);
        assertArrayEquals(new double[] {-1.05, 11.05}, ChartStyle.padded(-0.5, 10.5), 1e-12);
        assertArrayEquals(new double[] {2.85, 3.15}, ChartStyle.padded(3, 3), 1e-12); // flat series
        assertArrayEquals(new double[] {-1, 1}, ChartStyle.padded(0, 0), 1e-12);
    }
}
