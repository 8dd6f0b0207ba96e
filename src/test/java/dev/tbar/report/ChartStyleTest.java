package dev.tbar.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.Styler;

class ChartStyleTest {
    @Test
    void aLegendTooWideForOneRowGoesToTheRight() {
        assertEquals(Styler.LegendPosition.OutsideS, legendOf("CA", "ASR"));
        assertEquals(Styler.LegendPosition.OutsideE, legendOf("tbar-layerwise (3 seeds)", "tbar-linearized (3 seeds)",
                "tbar-mix (3 seeds)", "tbar-no-bn (3 seeds)", "tbar-project (3 seeds)", "tbar (3 seeds)"));
    }

    private static Styler.LegendPosition legendOf(String... labels) {
        XYChart chart = new XYChart(Plots.WIDTH, Plots.HEIGHT);
        for (String l : labels) {
            chart.addSeries(l, new double[] {0, 1}, new double[] {0, 1});
        }
        ChartStyle.legend(chart);
        return chart.getStyler().getLegendPosition();
    }
}
