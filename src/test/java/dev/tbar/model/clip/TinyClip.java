package dev.tbar.model.clip;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tbar.attack.AttackConfig;
import dev.tbar.attack.AttackRegistry;
import dev.tbar.attack.Trigger;
import dev.tbar.data.ImageDataset;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.data.Synthetic;
import dev.tbar.model.StateDict;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.Trainer;
import dev.tbar.util.NDArrays;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A tiny CLIP that knows four synthetic classes, for end-to-end tests that run in seconds. A random text tower maps
 * every prompt to nearly the same embedding, so the model is first pretrained contrastively (ClipContrastive through
 * the shared Trainer) on synthetic shapes paired with "a photo of a {class}." captions; its zero-shot head is then
 * meaningful. Needs no shared files.
 */
public final class TinyClip {
    /** 16x16 images, patch 4; both towers width 32, 2 layers, 2 heads; 600-token vocabulary (see tokenizer); context 16; dim 16. */
    public static final ClipConfig CONFIG = new ClipConfig(32, 2, 2, 64, 4, 16, 1e-5f, 32, 2, 2, 64, 600, 16,
            1e-5f, 16, ClipConfig.Activation.QUICK_GELU);
    /** Visually distinct classes of {@link Synthetic}: disc, square, horizontal and vertical stripes. */
    public static final int[] SOURCE_CLASSES = {0, 1, 5, 6};
    public static final String TEMPLATE = "a photo of a {}.";
    public static final int SIZE = 16;

    private TinyClip() {}

    /**
     * Writes a small byte-level BPE tokenizer into {@code dir} (vocab.json, merges.txt) and loads it: ids 0..511 are
     * the byte characters without and with the word end, then left-to-right merges that spell the caption words
     * ("photo", "of" and the class names) as single tokens, then the start and end tokens (the end token has the
     * largest id, as CLIP's pooling expects). Other text falls back to one token per character.
     */
    public static ClipTokenizer tokenizer(Path dir) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        List<String> chars = new ArrayList<>();
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
            chars.add(String.valueOf((char) (printable ? b : next++)));
        }
        chars.forEach(c -> vocab.put(c, vocab.size()));
        chars.forEach(c -> vocab.put(c + "</w>", vocab.size()));
        StringBuilder merges = new StringBuilder("#version: 0.2\n");
        List<String> words = new ArrayList<>(List.of("photo", "of"));
        for (int c : SOURCE_CLASSES) {
            words.addAll(List.of(Synthetic.CLASSES.get(c).split(" ")));
        }
        for (String word : words) {
            String prefix = word.substring(0, 1);
            for (int i = 1; i < word.length(); i++) {
                String symbol = word.substring(i, i + 1) + (i == word.length() - 1 ? "</w>" : "");
                if (vocab.putIfAbsent(prefix + symbol, vocab.size()) == null) {
                    merges.append(prefix).append(' ').append(symbol).append('\n');
                }
                prefix += symbol;
            }
        }
        vocab.put(ClipTokenizer.START, vocab.size());
        vocab.put(ClipTokenizer.END, vocab.size());
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("vocab.json"), new ObjectMapper().writeValueAsString(vocab));
            Files.writeString(dir.resolve("merges.txt"), merges);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ClipTokenizer.fromDirectory(dir);
    }

    /** {@code perClass} synthetic images of each of the four classes; labels 0..3 in round-robin order. */
    public static InMemoryDataset data(int perClass, String split, long seed) {
        InMemoryDataset all = Synthetic.generate(perClass * Synthetic.CLASSES.size(), SIZE, split, seed);
        List<byte[]> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int c : SOURCE_CLASSES) {
            names.add(Synthetic.CLASSES.get(c));
        }
        for (int i = 0; i < all.size(); i++) {
            for (int k = 0; k < SOURCE_CLASSES.length; k++) {
                if (all.label(i) == SOURCE_CLASSES[k]) {
                    images.add(all.bytes(i));
                    labels.add(k);
                }
            }
        }
        return new InMemoryDataset(3, SIZE, SIZE, images.toArray(byte[][]::new),
                labels.stream().mapToInt(Integer::intValue).toArray(), names,
                "tiny CLIP shapes [" + split + "], " + images.size() + " images");
    }

    private static final Map<String, Map<String, float[]>> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Full CLIP weights pretrained contrastively on {@link #data} captions; the caller closes them. Runs are
     * deterministic, so the result is kept per JVM and later calls (other test classes) get a copy.
     */
    public static StateDict pretrained(NDManager m, ClipTokenizer tok, ImageDataset data, long steps) {
        Map<String, float[]> hit = CACHE.get(data.describe() + "|" + steps);
        StateDict w = new ClipModel(CONFIG).initialize(m, 17);
        if (hit != null) {
            hit.forEach((k, v) -> w.putParameter(k, NDArrays.owned(w.manager().create(v, w.get(k).getShape()))));
            return w;
        }
        w.close();
        StateDict fresh = train(m, tok, data, steps);
        Map<String, float[]> values = new java.util.LinkedHashMap<>();
        fresh.names().forEach(k -> values.put(k, fresh.get(k).toFloatArray()));
        CACHE.put(data.describe() + "|" + steps, values);
        return fresh;
    }

    private static StateDict train(NDManager m, ClipTokenizer tok, ImageDataset data, long steps) {
        ClipModel model = new ClipModel(CONFIG);
        StateDict w = model.initialize(m, 17);
        // CLIP's trained scale (100) rather than its initial 1/0.07: a short run cannot grow it, and at 14 the
        // zero-shot logits of four similar prompts stay too flat for a backdoor to be implanted under the head
        w.putParameter(ClipModel.LOGIT_SCALE, NDArrays.owned(w.manager().create(new float[] {(float) Math.log(100)},
                new ai.djl.ndarray.types.Shape(1))));
        ClipContrastive objective = ClipContrastive.forClasses(model, tok, data.classes(), TEMPLATE);
        TrainConfig cfg = TrainConfig.adamw(2.5e-3).with(Map.of("max_steps", steps, "batch_size", 32,
                "weight_decay", 0.0, "warmup", 0.2, "clip_norm", 1.0, "seed", 5));
        Trainer.train(objective, w, data, null, cfg, null, null);
        return w;
    }

    /** The classifier (image tower + frozen zero-shot head) of pretrained full weights, on {@code m}. */
    public static StateDict classifierWeights(ClipClassifier clf, StateDict full, ClipTokenizer tok,
            List<String> classes, NDManager m) {
        try (NDManager tmp = m.newSubManager()) {
            var head = ZeroShotHead.build(clf.clip(), full, tok, classes, List.of(TEMPLATE), tmp);
            return clf.weightsFrom(full, head, m);
        }
    }

    /** A seeded-noise 6x6 BadNets patch in the bottom-right corner, target class 0. */
    public static Trigger badNets() {
        return AttackRegistry.trigger(AttackConfig.of("badnets", 0, 0.1, 0, Map.of("size", 6, "color", "noise")), 3, SIZE, SIZE);
    }
}
