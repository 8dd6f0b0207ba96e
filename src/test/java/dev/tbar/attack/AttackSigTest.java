package dev.tbar.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.TbarException;
import dev.tbar.data.Image;
import dev.tbar.data.InMemoryDataset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AttackSigTest {
    @Test
    void sinusoidFormulaIsExactAndClipped() {
        Trigger t = AttackRegistry.trigger(AttackConfig.ofPreset("sig-cifar", 0, 0.1, 1), 3, 8, 8);
        Image clean = TinyData.randomImage(3, 8, 8, 4);
        Image out = t.apply(clean);
        boolean clipped = false;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    float s = (float) (40 / 255.0 * Math.sin(2 * Math.PI * x * 6 / 8));
                    float raw = clean.get(c, y, x) + s;
                    clipped |= raw > 1 || raw < 0;
                    assertEquals(Math.min(1f, Math.max(0f, raw)), out.get(c, y, x), 0f);
                }
            }
        }
        assertTrue(clipped, "the test image should exercise clipping");
        assertEquals(Map.of("delta", 40.0, "f", 6.0, "clean_label", true), t.parameters());
        assertTrue(t.cleanLabel());
    }

    @Test
    void cleanLabelPoisonsOnlyTargetImagesAndKeepsLabels() {
        InMemoryDataset data = TinyData.dataset(200, 4, 3, 8, 8, 2);
        AttackConfig cfg = AttackConfig.ofPreset("sig-cifar", 1, 0.1, 9);
        Trigger t = AttackRegistry.trigger(cfg, 3, 8, 8);
        PoisonedDataset p = Poisoning.poisonTrainingSet(data, t, cfg);
        assertEquals(20, p.poisonIndices().length);
        for (int i : p.poisonIndices()) {
            assertEquals(1, data.label(i));
            assertEquals(1, p.label(i));
            assertArrayEquals(t.apply(data.image(i)).pixels(), p.image(i).pixels());
        }
        for (int i = 0; i < data.size(); i++) {
            assertEquals(data.label(i), p.label(i), "clean-label keeps every label");
        }
        assertTrue(p.describe().contains("clean-label"), p.describe());
        // The target class has 50 images: a rate needing more must fail with the key named.
        TbarException e = assertThrows(TbarException.class,
                () -> Poisoning.poisonTrainingSet(data, t, AttackConfig.ofPreset("sig-cifar", 1, 0.3, 9)));
        assertTrue(e.getMessage().contains("poison_rate") && e.getMessage().contains("clean-label"), e.getMessage());
    }

    @Test
    void cleanLabelCanBeTurnedOff() {
        InMemoryDataset data = TinyData.dataset(40, 4, 1, 4, 6, 2);
        AttackConfig cfg = AttackConfig.ofPreset("sig-cifar", 0, 0.25, 9).withParam("clean_label", false);
        PoisonedDataset p = Poisoning.poisonTrainingSet(data, AttackRegistry.trigger(cfg, 1, 4, 6), cfg);
        for (int i : p.poisonIndices()) {
            assertFalse(data.label(i) == 0);
            assertEquals(0, p.label(i));
        }
    }

    @Test
    void badParametersNameTheParameter() {
        for (var bad : Map.of("delta", (Object) 300, "f", -1, "clean_label", "maybe").entrySet()) {
            TbarException e = assertThrows(TbarException.class, () -> AttackRegistry.trigger(
                    AttackConfig.of("sig", 0, 0.1, 1, Map.of(bad.getKey(), bad.getValue())), 3, 8, 8));
            assertTrue(e.getMessage().contains("'" + bad.getKey() + "'"), e.getMessage());
        }
    }
}
