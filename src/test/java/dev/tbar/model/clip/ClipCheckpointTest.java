package dev.tbar.model.clip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.tbar.Shared;
import dev.tbar.TbarException;
import dev.tbar.model.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config reading and strict loading of both checkpoint layouts, including the error messages. */
class ClipCheckpointTest {
    static final ClipConfig FIXTURE = new ClipConfig(64, 2, 4, 256, 8, 32, 1e-5f, 48, 2, 4, 192, 49408, 77, 1e-5f,
            32, ClipConfig.Activation.QUICK_GELU);

    @Test
    void readsHuggingFaceConfig() {
        assertEquals(FIXTURE, ClipConfig.read(Shared.require("fixtures/clip-tiny/hf/config.json")));
    }

    @Test
    void readsOpenClipConfigWithDefaults(@TempDir Path dir) throws IOException {
        Path f = Files.writeString(dir.resolve("open_clip_config.json"), "{\"model_cfg\": {\"embed_dim\": 32,"
                + " \"quick_gelu\": true, \"vision_cfg\": {\"image_size\": 32, \"layers\": 2, \"width\": 64,"
                + " \"patch_size\": 8, \"head_width\": 16}, \"text_cfg\": {\"width\": 48, \"heads\": 4,"
                + " \"layers\": 2}}}");
        assertEquals(FIXTURE, ClipConfig.read(f));
        Path bad = Files.writeString(dir.resolve("bad.json"), "{\"vision_config\": {\"hidden_act\": \"relu\"},"
                + " \"text_config\": {\"hidden_act\": \"relu\"}}");
        TbarException e = assertThrows(TbarException.class, () -> ClipConfig.read(bad));
        assertTrue(e.getMessage().contains("hidden_act") && e.getMessage().contains("quick_gelu"), e.getMessage());
        Path notClip = Files.writeString(dir.resolve("other.json"), "{\"hidden_size\": 3}");
        e = assertThrows(TbarException.class, () -> ClipConfig.read(notClip));
        assertTrue(e.getMessage().contains("vision_config"), e.getMessage());
    }

    @Test
    void configFromShapesFollowsOpenAiHeadWidth() {
        Path weights = Shared.require("fixtures/clip-tiny/open_clip/model.safetensors");
        try (NDManager m = NDManager.newBaseManager(); ClipCheckpoint.Loaded l = ClipCheckpoint.load(weights, m)) {
            // no config beside the open_clip file: sizes from shapes, heads = width / 64
            ClipConfig c = l.config();
            assertEquals(new ClipConfig(64, 2, 1, 256, 8, 32, 1e-5f, 48, 2, 1, 192, 49408, 77, 1e-5f, 32,
                    ClipConfig.Activation.QUICK_GELU), c);
            assertEquals(ClipCheckpoint.Layout.OPEN_CLIP, l.layout());
        }
    }

    @Test
    void hfLoadPicksUpConfigBesideTheWeights() {
        Path weights = Shared.require("fixtures/clip-tiny/hf/model.safetensors");
        try (NDManager m = NDManager.newBaseManager(); ClipCheckpoint.Loaded l = ClipCheckpoint.load(weights, m)) {
            assertEquals(FIXTURE, l.config());
            assertEquals(new Shape(1), l.weights().get(ClipModel.LOGIT_SCALE).getShape());
            assertTrue(!l.weights().contains("vision_model.embeddings.position_ids"));
        }
    }

    /** Loads the HF fixture after {@code edit} changes its tensors and returns the error message. */
    private static String failure(String layout, Consumer<LinkedHashMap<String, NDArray>> edit) {
        Path weights = Shared.require("fixtures/clip-tiny/" + layout + "/model.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            LinkedHashMap<String, NDArray> t = Safetensors.read(weights, m).tensors();
            edit.accept(t);
            TbarException e = assertThrows(TbarException.class,
                    () -> ClipCheckpoint.fromTensors(t, FIXTURE, m, "x.safetensors"));
            return e.getMessage();
        }
    }

    @Test
    void unknownLayoutListsWhatWasExpected() {
        String msg = failure("hf", t -> {
            t.remove("vision_model.embeddings.patch_embedding.weight");
        });
        assertTrue(msg.contains("vision_model.embeddings.patch_embedding.weight") && msg.contains("visual.conv1"),
                msg);
    }

    @Test
    void missingUnexpectedAndMisshapenKeysAreNamed() {
        String msg = failure("hf", t -> t.remove("text_model.final_layer_norm.bias"));
        assertTrue(msg.contains("missing keys [text_model.final_layer_norm.bias]"), msg);
        msg = failure("hf", t -> t.put("vision_model.extra", t.get("logit_scale")));
        assertTrue(msg.contains("unexpected keys [vision_model.extra]"), msg);
        msg = failure("open_clip", t -> t.put("visual.proj", t.get("visual.proj").transpose()));
        assertTrue(msg.contains("visual_projection.weight") && msg.contains("(32, 64)"), msg);
        msg = failure("open_clip", t -> t.put("visual.attn_pool.weight", t.get("logit_scale")));
        assertTrue(msg.contains("visual.attn_pool.weight"), msg);
        msg = failure("open_clip", t -> t.put("transformer.resblocks.0.attn.in_proj_weight",
                t.get("transformer.resblocks.0.attn.out_proj.weight").get("0:47")));
        assertTrue(msg.contains("in_proj_weight") && msg.contains("3*width"), msg);
        msg = failure("hf", t -> t.put("text_model.embeddings.position_ids",
                t.get("text_model.embeddings.position_ids").flip(1)));
        assertTrue(msg.contains("position_ids[0] is 76"), msg);
    }

    @Test
    void impossibleConfigsAndShapesAreCleanErrors() {
        TbarException e = assertThrows(TbarException.class, () -> ClipConfig.parse(
                "{\"vision_cfg\": {\"head_width\": 0}, \"text_cfg\": {}}", "zero.json"));
        assertTrue(e.getMessage().contains("vision_cfg.head_width is 0"), e.getMessage());

        java.util.Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put(ClipModel.V + "embeddings.patch_embedding.weight", new Shape(8, 3, 4, 4));
        shapes.put(ClipModel.V + "embeddings.position_embedding.weight", new Shape(5, 8));
        shapes.put(ClipModel.T + "embeddings.position_embedding.weight", new Shape(7, 8));
        shapes.put(ClipModel.V + "encoder.layers.0.mlp.fc1.weight", new Shape(32, 8));
        shapes.put(ClipModel.T + "encoder.layers.0.mlp.fc1.weight", new Shape(32, 8));
        shapes.put(ClipModel.T + "embeddings.token_embedding.weight", new Shape(100, 8));
        shapes.put("visual_projection.weight", new Shape(4)); // rank 1: no width to read
        e = assertThrows(TbarException.class,
                () -> ClipConfig.inferFromShapes(shapes, 64, ClipConfig.Activation.QUICK_GELU, "rank1"));
        assertTrue(e.getMessage().contains("'visual_projection.weight' has shape (4)"), e.getMessage());
    }
}
