package dev.tbar.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.TbarException;
import dev.tbar.data.Image;
import dev.tbar.data.ImageCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttackBlendedTest {
    @Test
    void blendIsExactlyOneMinusAlphaTimesImagePlusAlphaTimesPattern() {
        Blended t = (Blended) AttackRegistry.trigger(AttackConfig.ofPreset("blended-cifar", 0, 0.1, 3), 3, 8, 8);
        assertEquals(0.2f, t.alpha());
        float[] pattern = t.pattern();
        Image clean = TinyData.randomImage(3, 8, 8, 5);
        Image out = t.apply(clean);
        for (int i = 0; i < pattern.length; i++) {
            assertEquals(0.8f * clean.pixels()[i] + 0.2f * pattern[i], out.pixels()[i], 0f, "pixel " + i);
        }
        // Pattern is seeded noise, different per seed, identical for the same seed.
        Blended same = (Blended) AttackRegistry.trigger(AttackConfig.ofPreset("blended-cifar", 0, 0.1, 3), 3, 8, 8);
        Blended other = (Blended) AttackRegistry.trigger(AttackConfig.ofPreset("blended-cifar", 0, 0.1, 4), 3, 8, 8);
        assertArrayEquals(pattern, same.pattern());
        assertFalse(Arrays.equals(pattern, other.pattern()));
    }

    @Test
    void alphaOneGivesThePatternAndAlphaZeroTheImage() {
        Image clean = TinyData.randomImage(3, 4, 4, 9);
        Blended one = (Blended) AttackRegistry.trigger(AttackConfig.of("blended", 0, 0.1, 1, Map.of("alpha", 1)),
                3, 4, 4);
        assertArrayEquals(one.pattern(), one.apply(clean).pixels());
        Trigger zero = AttackRegistry.trigger(AttackConfig.of("blended", 0, 0.1, 1, Map.of("alpha", 0.0)), 3, 4, 4);
        assertArrayEquals(clean.pixels(), zero.apply(clean).pixels());
    }

    @Test
    void patternFromAnImageFile(@TempDir Path dir) throws Exception {
        Image img = TinyData.dataset(1, 1, 3, 8, 8, 2).image(0);
        Path png = dir.resolve("kitty.png");
        Files.write(png, ImageCodec.toPng(img));
        Blended t = (Blended) AttackRegistry.trigger(
                AttackConfig.of("blended", 0, 0.1, 1, Map.of("pattern_file", png.toString())), 3, 8, 8);
        assertArrayEquals(img.pixels(), t.pattern(), 0f);
        TbarException e = assertThrows(TbarException.class, () -> AttackRegistry.trigger(
                AttackConfig.of("blended", 0, 0.1, 1, Map.of("pattern_file", dir.resolve("none.png").toString())),
                3, 8, 8));
        assertTrue(e.getMessage().contains("pattern_file"), e.getMessage());
    }

    @Test
    void alphaOutsideUnitIntervalNamesAlpha() {
        for (Object bad : new Object[] {1.5, -0.1, "lots"}) {
            TbarException e = assertThrows(TbarException.class, () -> AttackRegistry.trigger(
                    AttackConfig.of("blended", 0, 0.1, 1, Map.of("alpha", bad)), 3, 8, 8));
            assertTrue(e.getMessage().contains("'alpha'") && e.getMessage().contains("blended"), e.getMessage());
        }
    }
}
