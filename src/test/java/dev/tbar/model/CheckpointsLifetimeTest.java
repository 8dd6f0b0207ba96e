package dev.tbar.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loaded weights must own their memory: arrays read from a file borrow Java buffers that the garbage collector frees
 * once those arrays are closed, and a view kept past that point silently reads reused memory.
 */
class CheckpointsLifetimeTest {
    @Test
    void loadedWeightsSurviveGarbageCollection(@TempDir Path dir) throws InterruptedException {
        ImageClassifier model = new ResNetCifar(8, 2, Normalization.IMAGENET);
        Path file = dir.resolve("w.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, float[]> expected = new LinkedHashMap<>();
            try (StateDict w = model.initialize(m, 1)) {
                Checkpoints.save(w, file, null);
                w.asMap().forEach((k, v) -> expected.put(k, v.toFloatArray()));
            }
            try (StateDict w = Checkpoints.load(model, file, m)) {
                for (int i = 0; i < 3; i++) {
                    System.gc();
                    Thread.sleep(20);
                    for (int j = 0; j < 16; j++) { // reuse freed native memory with a recognisable pattern
                        ByteBuffer b = ByteBuffer.allocateDirect(1 << 16);
                        for (int k = 0; k < b.capacity(); k += 4) {
                            b.putInt(k, 0x7f7f7f7f);
                        }
                    }
                }
                expected.forEach((k, v) -> assertArrayEquals(v, w.get(k).toFloatArray(), k));
            }
        }
    }
}
