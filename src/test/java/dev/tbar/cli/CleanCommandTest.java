package dev.tbar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tbar.data.ImageCodec;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.data.Synthetic;
import dev.tbar.model.Safetensors;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tbar clean} as a practitioner meets it: a backdoored model (planted by tbar on generated shapes), a folder
 * of their own clean images, and the trigger as an RGBA PNG, or no trigger at all.
 */
class CleanCommandTest {
    @TempDir
    static Path dir;

    static Path weights;
    static Path strongWeights;
    static Path cleanWeights;
    static Path images;
    static Path trigger;

    @BeforeAll
    static void plantABackdoorAndExportImages() throws Exception {
        Path run = dir.resolve("demo");
        assertEquals(0, Main.run(PipelineEndToEndTest.args(PipelineEndToEndTest.SMALL, "demo", "--offline", "--out",
                run.toString(), "--set", "defenses=[finetune]", "--set", "implant.lr=0.05", "--set",
                "implant.warmup=0.05")));
        weights = run.resolve("backdoored.safetensors");
        Path strong = dir.resolve("strong"); // the demo's own implant settings: a backdoor Neural Cleanse can see
        assertEquals(0, Main.run(PipelineEndToEndTest.args(PipelineEndToEndTest.SMALL, "demo", "--offline", "--out",
                strong.toString(), "--set", "defenses=[finetune]")));
        strongWeights = strong.resolve("backdoored.safetensors");
        Path never = dir.resolve("never-poisoned");
        assertEquals(0, Main.run(PipelineEndToEndTest.args(PipelineEndToEndTest.SMALL, "demo", "--offline", "--out",
                never.toString(), "--set", "defenses=[finetune]", "--set", "attack.poison_rate=0")));
        cleanWeights = never.resolve("backdoored.safetensors");
        trigger = dir.resolve("trigger.png");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = Safetensors.read(run.resolve("trigger/trigger.safetensors"), m).tensors();
            writeRgba(t.get("mask").toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray(),
                    t.get("pattern").toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray(), 16,
                    trigger);
        }
        images = dir.resolve("my-images");
        InMemoryDataset own = Synthetic.generate(240, 16, "test", 99);
        for (int i = 0; i < own.size(); i++) {
            Path f = images.resolve(Integer.toString(own.label(i))).resolve(i + ".png");
            Files.createDirectories(f.getParent());
            Files.write(f, ImageCodec.toPng(own.image(i)));
        }
    }

    /** Mask (H*W) and pattern (3*H*W), either in [0, 1] or in bytes, as one RGBA image. */
    private static void writeRgba(float[] mask, float[] pattern, int side, Path out) throws Exception {
        float scale = 1;
        for (float v : pattern) {
            scale = Math.max(scale, v > 1 ? 255 : 1);
        }
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                int p = y * side + x;
                int a = Math.round(255 * mask[p] / (mask[p] > 1 ? 255 : 1));
                int r = Math.round(255 * pattern[p] / scale);
                int g = Math.round(255 * pattern[side * side + p] / scale);
                int b = Math.round(255 * pattern[2 * side * side + p] / scale);
                img.setRGB(x, y, (a << 24) | (r << 16) | (g << 8) | b);
            }
        }
        ImageIO.write(img, "png", out.toFile());
    }

    private static String[] clean(Path out, String... more) {
        String[] head = {"clean", "--model", "resnet8", "--weights", weights.toString(), "--data", images.toString(),
            "--image-size", "16", "--out", out.toString(), "--set", "tbar.finetune.epochs=4", "--set",
            "tbar.alphas.max=4", "--set", "tbar.alphas.steps=21", "--set", "tbar.ca_threshold=0.8", "--set",
            "tbar.bn_recalibration=100"};
        return java.util.stream.Stream.concat(java.util.Arrays.stream(head), java.util.Arrays.stream(more))
                .toArray(String[]::new);
    }

    @Test
    void aKnownTriggerIsRemovedAndMeasuredOnHeldOutImages() throws Exception {
        Path out = dir.resolve("known");
        assertEquals(0, Main.run(clean(out, "--trigger", trigger.toString(), "--target", "0")));
        JsonNode r = new ObjectMapper().readTree(out.resolve("clean.json").toFile());
        double before = r.at("/before/asr").asDouble();
        double after = r.at("/after/asr").asDouble();
        System.out.printf("clean, known trigger: CA %.3f -> %.3f, ASR %.3f -> %.3f on %d held-out images%n",
                r.at("/before/ca").asDouble(), r.at("/after/ca").asDouble(), before, after, r.at("/heldOut").asInt());
        assertEquals(72, r.at("/heldOut").asInt()); // 30% of 240
        assertTrue(before > 0.5, "the planted backdoor works on the user's images: ASR " + before);
        assertTrue(after < before - 0.3, "TBAR removes it: ASR " + before + " -> " + after);
        assertTrue(r.at("/after/ca").asDouble() > 0.6 * r.at("/before/ca").asDouble());
        for (String f : new String[] {"cleaned.safetensors", "report.html", "results.json", "trigger/trigger.safetensors"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        assertEquals("completed", new ObjectMapper().readTree(out.resolve("manifest.json").toFile())
                .at("/status").asText());
    }

    @Test
    void withoutATriggerNeuralCleanseFindsThePlantedTarget() throws Exception {
        Path out = dir.resolve("detected");
        String[] args = clean(out, "--set", "invert.steps=40");
        args[4] = strongWeights.toString();
        assertEquals(0, Main.run(args));
        JsonNode r = new ObjectMapper().readTree(out.resolve("clean.json").toFile());
        assertEquals("Neural Cleanse", r.at("/trigger").asText());
        assertEquals(0, r.at("/target").asInt());
        assertTrue(r.at("/anomalyIndex").asDouble() > 2);
        assertTrue(Files.size(out.resolve("cleaned.safetensors")) > 0);
    }

    @Test
    void aModelWithoutBackdoorIsLeftAloneAndNothingIsWritten() {
        Path out = dir.resolve("nothing");
        String[] args = clean(out, "--set", "invert.steps=40");
        args[4] = cleanWeights.toString();
        assertEquals(0, Main.run(args));
        assertFalse(Files.exists(out));
    }

    @Test
    void badInputIsAClearErrorBeforeAnyWork() throws Exception {
        Path rgb = dir.resolve("rgb.png");
        ImageIO.write(new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB), "png", rgb.toFile());
        assertEquals(2, Main.run(clean(dir.resolve("a"), "--trigger", trigger.toString())));
        assertEquals(2, Main.run(clean(dir.resolve("b"), "--trigger", rgb.toString(), "--target", "0")));
        assertFalse(Files.exists(dir.resolve("a")) || Files.exists(dir.resolve("b")));
    }
}
