package dev.tbar.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.data.Image;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttackInvertedTriggerTest {
    static float[] values(int n, long seed) {
        return TinyData.randomImage(1, 1, n, seed).pixels();
    }

    @Test
    void appliesOneMinusMaskTimesImagePlusMaskTimesPattern() {
        float[] mask = values(16, 1);
        float[] pattern = values(48, 2);
        InvertedTrigger t = InvertedTrigger.of(3, 4, 4, mask, pattern, Map.of("method", "test"));
        Image clean = TinyData.randomImage(3, 4, 4, 3);
        Image out = t.apply(clean);
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 16; i++) {
                float m = mask[i];
                assertEquals((1 - m) * clean.pixels()[c * 16 + i] + m * pattern[c * 16 + i],
                        out.pixels()[c * 16 + i], 1e-7f);
            }
        }
        double l1 = 0;
        for (float m : mask) {
            l1 += m;
        }
        assertEquals(l1, t.maskL1(), 1e-9);
        assertEquals(l1, (Double) t.parameters().get("mask_l1"), 1e-9);
    }

    @Test
    void aBinaryMaskReproducesABadNetsPatch() {
        Trigger badnets = AttackRegistry.trigger(AttackConfig.of("badnets", 0, 0.1, 0, Map.of("size", 2)), 3, 5, 5);
        float[] mask = new float[25];
        for (int y = 3; y < 5; y++) {
            for (int x = 3; x < 5; x++) {
                mask[y * 5 + x] = 1;
            }
        }
        float[] pattern = badnets.apply(Image.blank(3, 5, 5)).pixels();
        InvertedTrigger t = InvertedTrigger.of(3, 5, 5, mask, pattern, Map.of());
        Image clean = TinyData.randomImage(3, 5, 5, 4);
        assertArrayEquals(badnets.apply(clean).pixels(), t.apply(clean).pixels());
    }

    @Test
    void hashIsStableAndCoversTheArraysAndSaveWritesThem(@TempDir Path dir) throws Exception {
        float[] mask = values(16, 1);
        float[] pattern = values(48, 2);
        InvertedTrigger a = InvertedTrigger.of(3, 4, 4, mask, pattern, Map.of("class", 1));
        InvertedTrigger b = InvertedTrigger.of(3, 4, 4, mask, pattern, Map.of("class", 1));
        mask[0] = mask[0] / 2;
        InvertedTrigger c = InvertedTrigger.of(3, 4, 4, mask, pattern, Map.of("class", 1));
        assertEquals(a.sha256(), b.sha256());
        assertNotEquals(a.sha256(), c.sha256());
        assertTrue(a.sha256().matches("[0-9a-f]{64}"));
        var files = a.save(dir).stream().map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        assertTrue(files.containsAll(java.util.Set.of("trigger.safetensors", "trigger-mask.png",
                "trigger-pattern.png", "trigger-example.png")), files.toString());
        assertTrue(Files.size(dir.resolve("trigger.safetensors")) > 4 * (16 + 48));
    }

    @Test
    void rejectsValuesOutsideTheUnitRangeAndWrongSizes() {
        float[] mask = values(16, 1);
        mask[3] = 1.5f;
        assertThrows(IllegalArgumentException.class, () -> InvertedTrigger.of(3, 4, 4, mask, values(48, 2),
                Map.of()));
        assertThrows(IllegalArgumentException.class, () -> InvertedTrigger.of(3, 4, 4, values(15, 1), values(48, 2),
                Map.of()));
        InvertedTrigger t = InvertedTrigger.of(3, 4, 4, values(16, 1), values(48, 2), Map.of());
        assertThrows(IllegalArgumentException.class, () -> t.apply(Image.blank(3, 5, 5)));
    }
}
