package dev.tbar.model.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.tbar.Shared;
import dev.tbar.model.Safetensors;
import dev.tbar.model.StateDict;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Java CLIP must reproduce the reference outputs of an independent PyTorch implementation (fixture clip-tiny)
 * to 1e-4, from the Hugging Face layout and from the open_clip layout.
 */
class ClipParityTest {
    static final double TOL = 1e-4;

    private static NDManager manager;
    private static Map<String, NDArray> io;

    @BeforeAll
    static void readFixture() {
        Path file = Shared.require("fixtures/clip-tiny/io.safetensors");
        manager = NDManager.newBaseManager();
        io = new LinkedHashMap<>(Safetensors.read(file, manager).tensors());
    }

    @AfterAll
    static void close() {
        if (manager != null) {
            manager.close();
        }
    }

    /** The open_clip file has no config beside it: the HF config supplies the head counts (4, not 64-wide). */
    static ClipCheckpoint.Loaded load(String layout, NDManager m) {
        Path dir = Shared.require("fixtures/clip-tiny");
        return ClipCheckpoint.load(dir.resolve(layout).resolve("model.safetensors"),
                dir.resolve("hf/config.json"), m);
    }

    @ParameterizedTest
    @ValueSource(strings = {"hf", "open_clip"})
    void reproducesReferenceOutputs(String layout) {
        try (NDManager m = manager.newSubManager(); ClipCheckpoint.Loaded loaded = load(layout, m)) {
            assertEquals(layout.equals("hf") ? ClipCheckpoint.Layout.HUGGING_FACE : ClipCheckpoint.Layout.OPEN_CLIP,
                    loaded.layout());
            ClipModel model = loaded.model();
            StateDict w = loaded.weights();
            NDArray pixels = io.get("pixel_values");
            NDArray ids = io.get("input_ids");
            assertClose("vision_pooled", model.visionPooled(w, pixels));
            assertClose("text_pooled", model.textPooled(w, ids));
            NDArray img = model.encodeImageNormalized(w, pixels);
            NDArray txt = model.encodeText(w, ids);
            assertClose("image_embeds", ClipModel.normalize(img));
            assertClose("text_embeds", ClipModel.normalize(txt));
            assertClose("logits_per_image", model.logitsPerImage(w, img, txt));
        }
    }

    static void assertClose(String name, NDArray actual) {
        NDArray expected = io.get(name);
        assertEquals(expected.getShape(), actual.getShape(), name + " shape");
        float diff = actual.sub(expected).abs().max().getFloat();
        System.out.printf("clip-tiny %-16s max |diff| = %.3g%n", name, diff);
        assertTrue(diff <= TOL, name + ": max abs difference " + diff + " > " + TOL);
    }

    @org.junit.jupiter.api.Test
    void bothLayoutsGiveIdenticalWeightsAndOutputs() {
        try (NDManager m = manager.newSubManager(); ClipCheckpoint.Loaded hf = load("hf", m);
                ClipCheckpoint.Loaded oc = load("open_clip", m)) {
            assertEquals(hf.weights().names(), oc.weights().names());
            for (String k : hf.weights().names()) {
                assertArrayEquals(hf.weights().get(k).toFloatArray(), oc.weights().get(k).toFloatArray(), k);
            }
            ClipModel model = hf.model();
            NDArray pixels = io.get("pixel_values");
            NDArray ids = io.get("input_ids");
            assertArrayEquals(model.encodeImageNormalized(hf.weights(), pixels).toFloatArray(),
                    model.encodeImageNormalized(oc.weights(), pixels).toFloatArray());
            assertArrayEquals(model.encodeText(hf.weights(), ids).toFloatArray(),
                    model.encodeText(oc.weights(), ids).toFloatArray());
        }
    }
}
