package dev.tbar.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.TbarException;
import dev.tbar.data.Image;
import dev.tbar.data.InMemoryDataset;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AttackWaNetTest {
    private static WaNet wanet(long seed, Map<String, Object> params, int c, int h, int w) {
        return (WaNet) AttackRegistry.trigger(new AttackConfig("wanet", null, 0, 0.1, seed, params), c, h, w);
    }

    @Test
    void zeroStrengthIsTheIdentity() {
        WaNet t = wanet(3, Map.of("s", 0), 3, 8, 8);
        Image clean = TinyData.randomImage(3, 8, 8, 1);
        assertArrayEquals(clean.pixels(), t.apply(clean).pixels(), 1e-6f);
    }

    @Test
    void warpIsDeterministicBySeedAndChangesTheImage() {
        Image clean = TinyData.randomImage(3, 8, 8, 1);
        WaNet a = (WaNet) AttackRegistry.trigger(AttackConfig.ofPreset("wanet-cifar", 0, 0.1, 5), 3, 8, 8);
        WaNet b = (WaNet) AttackRegistry.trigger(AttackConfig.ofPreset("wanet-cifar", 0, 0.1, 5), 3, 8, 8);
        WaNet c = (WaNet) AttackRegistry.trigger(AttackConfig.ofPreset("wanet-cifar", 0, 0.1, 6), 3, 8, 8);
        assertArrayEquals(a.grid(), b.grid());
        assertArrayEquals(a.apply(clean).pixels(), b.apply(clean).pixels());
        assertFalse(Arrays.equals(a.grid(), c.grid()));
        assertFalse(Arrays.equals(clean.pixels(), a.apply(clean).pixels()));
        assertEquals(a.sha256(), b.sha256());
        assertNotEquals(a.sha256(), c.sha256());
    }

    @Test
    void fieldFollowsTheFormulaAtTheControlPoints() {
        // k=4 onto 10 px with align_corners: pixels 0, 3, 6, 9 sit exactly on control points, where bicubic
        // interpolation returns the control value itself.
        WaNet t = wanet(11, Map.of("k", 4, "s", 0.5, "grid_rescale", 1), 1, 10, 10);
        float[] control = t.control();
        double meanAbs = 0;
        for (float v : control) {
            meanAbs += Math.abs(v);
        }
        assertEquals(1.0, meanAbs / control.length, 1e-6, "control noise normalised by its mean |value|");
        float[] grid = t.grid();
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                int y = 3 * i;
                int x = 3 * j;
                double ex = Math.max(-1, Math.min(1, -1 + 2.0 * x / 9 + 0.5 * control[i * 4 + j] / 10));
                double ey = Math.max(-1, Math.min(1, -1 + 2.0 * y / 9 + 0.5 * control[16 + i * 4 + j] / 10));
                assertEquals(ex, grid[2 * (y * 10 + x)], 1e-6);
                assertEquals(ey, grid[2 * (y * 10 + x) + 1], 1e-6);
            }
        }
    }

    @Test
    void bilinearUpsamplingAveragesTheCornersAtTheCentre() {
        WaNet t = wanet(2, Map.of("k", 2, "s", 1, "upsample", "bilinear"), 1, 3, 3);
        float[] control = t.control();
        float[] grid = t.grid();
        double meanX = (control[0] + control[1] + control[2] + control[3]) / 4.0;
        assertEquals(Math.max(-1, Math.min(1, meanX / 3)), grid[2 * 4], 1e-6); // centre pixel (1, 1): identity 0
    }

    @Test
    void bilinearSamplingWithAlignCorners() {
        // s=0 and grid_rescale=0.5 zoom 2x into the centre of a 9 px image: output x samples input 2 + x/2, so
        // even columns copy a pixel and odd columns average two neighbours.
        WaNet t = wanet(1, Map.of("s", 0, "grid_rescale", 0.5), 1, 9, 9);
        Image clean = TinyData.randomImage(1, 9, 9, 8);
        Image out = t.apply(clean);
        for (int y = 0; y < 9; y++) {
            for (int x = 0; x < 9; x++) {
                double expected = 0;
                for (int[] d : new int[][] {{0, 0}, {0, 1}, {1, 0}, {1, 1}}) {
                    double wy = y % 2 == 0 ? (d[0] == 0 ? 1 : 0) : 0.5;
                    double wx = x % 2 == 0 ? (d[1] == 0 ? 1 : 0) : 0.5;
                    int sy = Math.min(8, 2 + y / 2 + d[0]);
                    int sx = Math.min(8, 2 + x / 2 + d[1]);
                    expected += wy * wx * clean.get(0, sy, sx);
                }
                assertEquals(expected, out.get(0, y, x), 1e-6, "y=" + y + " x=" + x);
            }
        }
    }

    @Test
    void crossSamplesKeepTrueLabelsAndAreNoiseWarped() {
        InMemoryDataset data = TinyData.dataset(200, 4, 3, 8, 8, 3);
        AttackConfig cfg = AttackConfig.ofPreset("wanet-cifar", 2, 0.1, 4);
        WaNet t = (WaNet) AttackRegistry.trigger(cfg, 3, 8, 8);
        PoisonedDataset p = Poisoning.poisonTrainingSet(data, t, cfg);
        PoisonedDataset again = Poisoning.poisonTrainingSet(data, t, cfg);
        int[] poison = p.poisonIndices();
        int[] cross = p.crossIndices();
        assertEquals(20, poison.length);
        assertEquals(40, cross.length); // cross_ratio 2
        assertArrayEquals(cross, again.crossIndices());
        for (int i : cross) {
            assertTrue(Arrays.binarySearch(poison, i) < 0, "cross and poison indices are disjoint");
            assertEquals(data.label(i), p.label(i));
            float[] img = p.image(i).pixels();
            assertArrayEquals(img, again.image(i).pixels(), "same noise for the same item");
            assertFalse(Arrays.equals(t.apply(data.image(i)).pixels(), img), "noise moves the grid");
        }
        for (int i : poison) {
            assertEquals(2, p.label(i));
            assertArrayEquals(t.apply(data.image(i)).pixels(), p.image(i).pixels());
        }
        // With zero noise amplitude the noise mode is the trigger itself.
        WaNet quiet = (WaNet) AttackRegistry.trigger(cfg.withParam("cross_noise", 0), 3, 8, 8);
        Image im = data.image(0);
        assertArrayEquals(quiet.apply(im).pixels(), quiet.applyCross(im, new SplittableRandom(1)).pixels());
    }

    @Test
    void clipPresetAtFullResolution() {
        WaNet t = (WaNet) AttackRegistry.trigger(AttackConfig.ofPreset("wanet-clip", 0, 0.1, 1), 3, 224, 224);
        assertEquals(224, t.parameters().get("k"));
        assertEquals(224 * 224 * 2, t.grid().length);
    }

    @Test
    void badParametersNameTheParameter() {
        for (var bad : Map.of("k", (Object) 9, "s", -1, "grid_rescale", 0, "upsample", "nearest", "cross_ratio",
                "x").entrySet()) {
            TbarException e = assertThrows(TbarException.class,
                    () -> wanet(1, Map.of(bad.getKey(), bad.getValue()), 3, 8, 8));
            assertTrue(e.getMessage().contains("'" + bad.getKey() + "'"), e.getMessage());
        }
    }
}
