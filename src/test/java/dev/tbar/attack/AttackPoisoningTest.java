package dev.tbar.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.TbarException;
import dev.tbar.data.InMemoryDataset;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class AttackPoisoningTest {
    private final InMemoryDataset data = TinyData.dataset(200, 4, 3, 8, 8, 1);

    private PoisonedDataset poison(long seed, double rate, int target) {
        AttackConfig cfg = AttackConfig.ofPreset("badnets-cifar", target, rate, seed);
        return Poisoning.poisonTrainingSet(data, AttackRegistry.trigger(cfg, 3, 8, 8), cfg);
    }

    @Test
    void poisonCountAndIndicesAreReproducibleBySeedAndFromNonTargetClasses() {
        PoisonedDataset a = poison(7, 0.1, 2);
        PoisonedDataset b = poison(7, 0.1, 2);
        PoisonedDataset c = poison(8, 0.1, 2);
        int[] idx = a.poisonIndices();
        assertEquals(20, idx.length); // round(0.1 * 200)
        assertArrayEquals(idx, b.poisonIndices());
        assertFalse(Arrays.equals(idx, c.poisonIndices()));
        assertEquals(idx.length, Arrays.stream(idx).distinct().count());
        assertEquals(0, a.crossIndices().length);
        for (int i : idx) {
            assertNotEquals(2, data.label(i), "poison drawn from the target class");
        }
        assertEquals(Math.round(0.137 * 200), poison(7, 0.137, 2).poisonIndices().length);
    }

    @Test
    void poisonedItemsAreTriggeredAndRelabelledOthersUntouched() {
        PoisonedDataset p = poison(3, 0.25, 1);
        Trigger t = p.trigger();
        assertEquals(data.size(), p.size());
        assertEquals(data.classes(), p.classes());
        int poisoned = 0;
        for (int i = 0; i < data.size(); i++) {
            if (p.isPoisoned(i)) {
                poisoned++;
                assertEquals(1, p.label(i));
                assertArrayEquals(t.apply(data.image(i)).pixels(), p.image(i).pixels());
            } else {
                assertEquals(data.label(i), p.label(i));
                assertArrayEquals(data.image(i).pixels(), p.image(i).pixels());
            }
            assertEquals(data.label(i), p.trueLabel(i));
        }
        assertEquals(50, poisoned);
        assertTrue(p.describe().contains("50 poisoned"), p.describe());
        assertEquals(50, p.summary().get("poisoned"));
        assertEquals(t.sha256(), p.summary().get("trigger_sha256"));
        assertEquals(0.25, p.summary().get("poison_rate"));
    }

    @Test
    void tooHighARateForTheCandidatesNamesPoisonRate() {
        // 150 images are outside target 0; asking for 160 must fail clearly rather than poison fewer.
        TbarException e = assertThrows(TbarException.class, () -> poison(1, 0.8, 0));
        assertTrue(e.getMessage().contains("poison_rate"), e.getMessage());
        e = assertThrows(TbarException.class, () -> poison(1, 0.1, 4));
        assertTrue(e.getMessage().contains("target"), e.getMessage());
    }

    @Test
    void triggeredTestSetExcludesTargetImagesAndTriggersTheRest() {
        Trigger t = AttackRegistry.trigger(AttackConfig.ofPreset("blended-cifar", 0, 0.1, 1), 3, 8, 8);
        TriggeredDataset asr = Poisoning.triggeredTestSet(data, t, 3);
        assertEquals(150, asr.size());
        for (int i = 0; i < asr.size(); i++) {
            int src = asr.sourceIndex(i);
            assertNotEquals(3, data.label(src));
            assertEquals(3, asr.label(i));
            assertArrayEquals(t.apply(data.image(src)).pixels(), asr.image(i).pixels());
        }
        TriggeredDataset all = Poisoning.triggerSet(data, t, 3);
        assertEquals(200, all.size());
        for (int i = 0; i < all.size(); i++) {
            assertEquals(i, all.sourceIndex(i));
            assertEquals(3, all.label(i));
        }
        assertArrayEquals(t.apply(data.image(7)).pixels(), all.image(7).pixels());
    }

    @Test
    void triggerBuiltForAnotherSizeIsRefusedUpFront() {
        AttackConfig cfg = AttackConfig.ofPreset("badnets-cifar", 0, 0.1, 1);
        Trigger big = AttackRegistry.trigger(cfg, 3, 32, 32);
        TbarException e = assertThrows(TbarException.class, () -> Poisoning.poisonTrainingSet(data, big, cfg));
        assertTrue(e.getMessage().contains("32x32") && e.getMessage().contains("8x8"), e.getMessage());
        assertThrows(TbarException.class, () -> Poisoning.triggeredTestSet(data, big, 0));
    }

    @Test
    void zeroRatePoisonsNothing() {
        PoisonedDataset p = poison(1, 0.0, 0);
        assertEquals(0, p.poisonIndices().length);
        for (int i = 0; i < 10; i++) {
            assertArrayEquals(data.image(i).pixels(), p.image(i).pixels());
        }
    }
}
