package dev.tbar.invert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.tbar.Shared;
import dev.tbar.model.clip.ClipCheckpoint;
import dev.tbar.unlearn.TbarDecree;
import dev.tbar.util.GcChurn;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** DECREE runs through CLIP's image tower (the tiny random-weight fixture): gradients reach the pixels only. */
class DecreeClipTest {
    @Test
    void invertsThroughTheClipTowerWithItsWeightsUntouched() {
        try (NDManager m = NDManager.newBaseManager();
                ClipCheckpoint.Loaded clip = ClipCheckpoint.load(
                        Shared.require("fixtures/clip-tiny/hf/model.safetensors"), m)) {
            Map<String, float[]> before = clip.weights().asMap().entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().toFloatArray()));
            // 16 px images: the encoder resizes them to the tower's 32 px, differentiably.
            Decree.Config cfg = TbarDecree.SECTION.with("steps=4", "batch_size=6", "similarity_threshold=0.9",
                    "patience=2", "seed=1");
            Decree.Result r = Decree.run(ImageEncoder.clip(clip.model(), clip.weights()), DecreeTest.noise(6, 2, 16),
                    cfg, m);
            assertTrue(Double.isFinite(r.meanCosine()) && r.meanCosine() <= 1.0001, "cosine " + r.meanCosine());
            assertEquals(16 * 16, r.mask().length);
            assertTrue(r.pl1() > 0 && r.pl1() <= 1, "PL1 " + r.pl1());
            clip.weights().asMap().forEach((k, v) -> {
                assertFalse(v.hasGradient(), k + " records no gradient");
                assertArrayEquals(before.get(k), v.toFloatArray(), k + " unchanged");
            });
            assertEquals(3 * 16 * 16, r.trigger().pattern().length);
        }
    }

    /**
     * Same seed, same result, even when collections free Java buffers mid-step: constants that autograd kept in
     * borrowed memory made this test return PL1 0.1020 or a NaN cosine instead of 0.0488 in loaded test runs.
     */
    @Test
    void sameResultBitForBitWhileGarbageIsCollected() {
        try (NDManager m = NDManager.newBaseManager();
                ClipCheckpoint.Loaded clip = ClipCheckpoint.load(
                        Shared.require("fixtures/clip-tiny/hf/model.safetensors"), m)) {
            Decree.Config cfg = TbarDecree.SECTION.with("steps=4", "batch_size=6", "similarity_threshold=0.9",
                    "patience=2", "seed=1");
            ImageEncoder enc = ImageEncoder.clip(clip.model(), clip.weights());
            Decree.Result quiet = Decree.run(enc, DecreeTest.noise(6, 2, 16), cfg, m);
            try (GcChurn churn = GcChurn.start()) {
                for (int rep = 0; rep < 3; rep++) {
                    Decree.Result r = Decree.run(enc, DecreeTest.noise(6, 2, 16), cfg, m);
                    assertArrayEquals(quiet.mask(), r.mask(), "mask, run " + rep);
                    assertArrayEquals(quiet.pattern(), r.pattern(), "pattern, run " + rep);
                    assertEquals(quiet.meanCosine(), r.meanCosine(), "cosine, run " + rep);
                }
            }
        }
    }
}
