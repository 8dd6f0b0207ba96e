package dev.tbar.unlearn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.TbarException;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlphaSelectionTest {
    @Test
    void picksLowestAsrAboveTheCaFloor() {
        List<AlphaPoint> sweep = List.of(new AlphaPoint(0, 0.90, 0.95), new AlphaPoint(0.5, 0.88, 0.30),
                new AlphaPoint(1.0, 0.86, 0.02), new AlphaPoint(1.5, 0.80, 0.00));
        AlphaSelection.Choice c = AlphaSelection.choose(sweep, 0.90, 0.95); // floor 0.855
        assertEquals(1.0, c.point().alpha());
        assertEquals(0.855, c.caFloor(), 1e-12);
        assertTrue(c.constrained());
    }

    @Test
    void tiesGoToHigherCaThenSmallerAlpha() {
        List<AlphaPoint> sweep = List.of(new AlphaPoint(0.5, 0.85, 0.0), new AlphaPoint(1.0, 0.87, 0.0),
                new AlphaPoint(1.5, 0.87, 0.0));
        assertEquals(1.0, AlphaSelection.choose(sweep, 0.9, 0.9).point().alpha());
    }

    @Test
    void noAlphaKeepsEnoughCaMeansUnchangedModel() {
        List<AlphaPoint> sweep = List.of(new AlphaPoint(1, 0.5, 0.0), new AlphaPoint(2, 0.4, 0.0));
        AlphaSelection.Choice c = AlphaSelection.choose(sweep, 0.9, 0.95);
        assertFalse(c.constrained());
        assertEquals(0.0, c.point().alpha());
    }

    @Test
    void gridIsEvenlySpacedAndValidated() {
        assertArrayEquals(new double[] {0, 0.5, 1.0, 1.5, 2.0}, new AlphaGrid(0, 2, 5).values(), 1e-12);
        assertArrayEquals(new double[] {0.7}, new AlphaGrid(0.7, 0.7, 1).values(), 1e-12);
        TbarException e = assertThrows(TbarException.class, () -> new AlphaGrid(1, 0, 3));
        assertTrue(e.getMessage().contains("tbar.alphas"));
    }
}
