package dev.tbar.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.TbarException;
import dev.tbar.data.Image;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AttackBadNetsTest {
    private static boolean inside(int y, int x, int y0, int x0, int size) {
        return y >= y0 && y < y0 + size && x >= x0 && x < x0 + size;
    }

    @Test
    void cifarPresetIsA3x3WhitePatchAtTheBottomRightAndNothingElseChanges() {
        Trigger t = AttackRegistry.trigger(AttackConfig.ofPreset("badnets-cifar", 0, 0.1, 1), 3, 8, 8);
        Image clean = TinyData.randomImage(3, 8, 8, 7);
        float[] before = clean.pixels().clone();
        Image out = t.apply(clean);
        assertArrayEquals(before, clean.pixels(), "input must not be modified");
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    float expected = inside(y, x, 5, 5, 3) ? 1f : clean.get(c, y, x);
                    assertEquals(expected, out.get(c, y, x), 0f, "pixel c=" + c + " y=" + y + " x=" + x);
                }
            }
        }
        assertEquals(Map.of("size", 3, "x", 5, "y", 5, "color", "white"), t.parameters());
    }

    @Test
    void topLeftWithMarginAndRgbColour() {
        Trigger t = AttackRegistry.trigger(AttackConfig.of("badnets", 0, 0.1, 1,
                Map.of("size", 2, "position", "top-left", "margin", 1, "color", List.of(255, 0, 51))), 3, 8, 8);
        Image clean = TinyData.randomImage(3, 8, 8, 3);
        Image out = t.apply(clean);
        float[] rgb = {1f, 0f, 51 / 255f};
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    float expected = inside(y, x, 1, 1, 2) ? rgb[c] : clean.get(c, y, x);
                    assertEquals(expected, out.get(c, y, x), 0f);
                }
            }
        }
    }

    @Test
    void explicitCornerAndSeededNoisePatch() {
        AttackConfig cfg = AttackConfig.of("badnets", 0, 0.1, 5, Map.of("size", 3, "x", 2, "y", 4, "color", "noise"));
        Image clean = TinyData.randomImage(3, 8, 8, 11);
        Image a = AttackRegistry.trigger(cfg, 3, 8, 8).apply(clean);
        Image b = AttackRegistry.trigger(cfg, 3, 8, 8).apply(clean);
        assertArrayEquals(a.pixels(), b.pixels(), "same seed, same patch");
        Image other = AttackRegistry.trigger(new AttackConfig("badnets", null, 0, 0.1, 6L, cfg.params()), 3, 8, 8)
                .apply(clean);
        assertNotEquals(java.util.Arrays.toString(a.pixels()), java.util.Arrays.toString(other.pixels()));
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    if (!inside(y, x, 4, 2, 3)) {
                        assertEquals(clean.get(c, y, x), a.get(c, y, x), 0f);
                    } else {
                        float v = a.get(c, y, x) * 255f;
                        assertEquals(Math.round(v), v, 1e-4f, "noise on 8-bit levels");
                    }
                }
            }
        }
    }

    @Test
    void greyImagesGetAOneChannelPatch() {
        Trigger t = AttackRegistry.trigger(AttackConfig.ofPreset("badnets-cifar", 0, 0.1, 1), 1, 6, 5);
        Image out = t.apply(Image.blank(1, 6, 5));
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 5; x++) {
                assertEquals(inside(y, x, 3, 2, 3) ? 1f : 0f, out.get(0, y, x), 0f);
            }
        }
    }

    @Test
    void badParametersNameTheParameter() {
        TbarException e = assertThrows(TbarException.class, () -> AttackRegistry.trigger(
                AttackConfig.of("badnets", 0, 0.1, 1, Map.of("size", 9)), 3, 8, 8));
        assertTrue(e.getMessage().contains("'size'"), e.getMessage());
        e = assertThrows(TbarException.class, () -> AttackRegistry.trigger(
                AttackConfig.of("badnets", 0, 0.1, 1, Map.of("color", List.of(1, 2))), 3, 8, 8));
        assertTrue(e.getMessage().contains("'color'"), e.getMessage());
        e = assertThrows(TbarException.class, () -> AttackRegistry.trigger(
                AttackConfig.of("badnets", 0, 0.1, 1, Map.of("position", "middle")), 3, 8, 8));
        assertTrue(e.getMessage().contains("'position'"), e.getMessage());
        e = assertThrows(TbarException.class, () -> AttackRegistry.trigger(
                AttackConfig.of("badnets", 0, 0.1, 1, Map.of("x", 6, "size", 3)), 3, 8, 8));
        assertTrue(e.getMessage().contains("'x'"), e.getMessage());
        e = assertThrows(TbarException.class, () -> AttackRegistry.trigger(
                AttackConfig.of("badnets", 0, 0.1, 1, Map.of("sise", 3)), 3, 8, 8));
        assertTrue(e.getMessage().contains("'sise'"), e.getMessage());
    }
}
