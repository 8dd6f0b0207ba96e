package dev.tbar.unlearn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.config.Configs;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/** Bisection finds what the grid finds on monotone validation curves, in at most 12 evaluations instead of 31-121. */
class AlphaSearchTest {
    private static final AlphaGrid GRID = new AlphaGrid(0, 3, 31);
    private static final double BASE_CA = 0.9;
    private static final double THRESHOLD = 0.95;

    private record Found(AlphaSelection.Choice choice, int evaluations) {}

    private static Found search(AlphaSearch s, DoubleUnaryOperator ca, DoubleUnaryOperator asr) {
        List<AlphaPoint> sweep = s.run(GRID, AlphaSelection.floor(BASE_CA, THRESHOLD),
                a -> new AlphaPoint(a, ca.applyAsDouble(a), asr.applyAsDouble(a)));
        assertTrue(sweep.size() <= s.budget(GRID), sweep.size() + " > budget " + s.budget(GRID));
        return new Found(AlphaSelection.choose(sweep, BASE_CA, THRESHOLD), sweep.size());
    }

    private static void sameAnswer(DoubleUnaryOperator ca, DoubleUnaryOperator asr, double expectedAlpha) {
        Found grid = search(AlphaSearch.GRID, ca, asr);
        Found bisect = search(AlphaSearch.BISECT, ca, asr);
        assertEquals(expectedAlpha, grid.choice().point().alpha(), 0.1 + 1e-9, "grid");
        assertEquals(expectedAlpha, bisect.choice().point().alpha(), 0.025 + 1e-9, "bisect");
        assertTrue(bisect.evaluations() <= AlphaSearch.MAX_EVALUATIONS, bisect.evaluations() + " evaluations");
        assertTrue(bisect.choice().point().asr() <= grid.choice().point().asr() + 0.01,
                bisect.choice() + " vs " + grid.choice());
    }

    @Test
    void theCaFloorBinds() { // CA >= 0.855 up to alpha 1.5; ASR still 9.5% there
        sameAnswer(a -> 0.9 - 0.02 * a * a, a -> 0.9 * Math.exp(-1.5 * a), 1.5);
    }

    @Test
    void asrReachesZeroFirst() { // ASR 0 from alpha 1.5 on; the smallest such alpha keeps the most CA
        sameAnswer(a -> 0.9 - 0.01 * a, a -> Math.max(0, 0.9 - 0.6 * a), 1.5);
    }

    @Test
    void theBoundaryLiesBeyondTheConfiguredGrid() { // CA floor at alpha 11.25: both searches reach past 3
        sameAnswer(a -> 0.9 - 0.004 * a, a -> 0.9 * Math.exp(-0.5 * a), 11.25);
    }

    @Test
    void bisectionReachesFurtherThanTheGrid() { // CA floor at alpha 45: the grid stops near 12, bisection doubles to 48
        Found grid = search(AlphaSearch.GRID, a -> 0.9 - 0.001 * a, a -> 0.9 * Math.exp(-0.1 * a));
        Found bisect = search(AlphaSearch.BISECT, a -> 0.9 - 0.001 * a, a -> 0.9 * Math.exp(-0.1 * a));
        assertEquals(12, grid.choice().point().alpha(), 0.31); // the extended grid ends at 11.7
        assertEquals(45, bisect.choice().point().alpha(), 0.5);
        assertTrue(bisect.choice().point().asr() < grid.choice().point().asr() / 10);
    }

    @Test
    void noAlphaKeepsTheFloor() {
        Found f = search(AlphaSearch.BISECT, a -> a == 0 ? BASE_CA : 0.5, a -> 0.0);
        assertFalse(f.choice().constrained());
        assertEquals(0.0, f.choice().point().alpha());
    }

    @Test
    void theSearchIsASettingOfItsOwn() {
        assertEquals(AlphaSearch.BISECT, Tbar.Config.defaults().search());
        Tbar.Config grid = Tbar.SECTION.with(Tbar.Config.defaults(), "search=grid");
        assertEquals(AlphaSearch.GRID, grid.search());
        assertEquals("grid", Configs.tree(grid).get("search").asText());
    }
}
