package dev.tbar.model.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.tbar.TbarException;
import dev.tbar.attack.CaptionPoisoning;
import dev.tbar.attack.Poisoning;
import dev.tbar.attack.Trigger;
import dev.tbar.data.Captioned;
import dev.tbar.data.ImageDataset;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.eval.Metrics;
import dev.tbar.model.StateDict;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.Trainer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CleanCLIP-style caption poisoning: triggered images captioned as the target class, learned contrastively. */
class ClipCaptionPoisoningTest {
    @Test
    void poisonedPairsAreSeededAndCaptionedAsTheTarget() {
        InMemoryDataset train = TinyClip.data(10, "train", 1);
        Captioned pairs = Captioned.of(train, TinyClip.TEMPLATE);
        assertEquals("a photo of a square.", pairs.classes().get(1));
        Trigger trigger = TinyClip.badNets();
        ImageDataset a = CaptionPoisoning.poison(pairs, trigger, 2, 6, 9);
        ImageDataset b = CaptionPoisoning.poison(pairs, trigger, 2, 6, 9);
        ImageDataset c = CaptionPoisoning.poison(pairs, trigger, 2, 6, 10);
        assertEquals(pairs.size() + 6, a.size());
        boolean differs = false;
        for (int i = pairs.size(); i < a.size(); i++) {
            assertEquals(2, a.label(i));
            assertArrayEquals(a.image(i).pixels(), b.image(i).pixels());
            differs |= !java.util.Arrays.equals(a.image(i).pixels(), c.image(i).pixels());
        }
        assertTrue(differs, "another seed picks other images");
        TbarException e = assertThrows(TbarException.class, () -> CaptionPoisoning.poison(pairs, trigger, 2, 99, 1));
        assertTrue(e.getMessage().contains("count 99"), e.getMessage());
        assertThrows(TbarException.class, () -> Captioned.of(train, "no placeholder"));
    }

    @Test
    void contrastivePoisoningRaisesZeroShotAsr(@TempDir Path dir) {
        ClipTokenizer tok = TinyClip.tokenizer(dir);
        InMemoryDataset train = TinyClip.data(40, "train", 1);
        InMemoryDataset test = TinyClip.data(25, "test", 4);
        Trigger trigger = TinyClip.badNets();
        ImageDataset triggered = Poisoning.triggeredTestSet(test, trigger, 0);
        Captioned pairs = Captioned.of(train, TinyClip.TEMPLATE);
        ImageDataset poisoned = CaptionPoisoning.poison(pairs, trigger, 0, 48, 5);
        ClipClassifier clf = new ClipClassifier(TinyClip.CONFIG, 4, TinyClip.SIZE);
        ClipModel model = clf.clip();
        try (NDManager m = NDManager.newBaseManager(); StateDict full = TinyClip.pretrained(m, tok, train, 120)) {
            Metrics before = zeroShot(clf, full, tok, train, test, triggered, m);
            // the captions are the pair texts themselves: label i -> caption i
            ClipContrastive objective = ClipContrastive.forClasses(model, tok, pairs.classes(), "{}");
            TrainConfig cfg = TrainConfig.adamw(2e-3).with(Map.of("epochs", 8, "batch_size", 32,
                    "weight_decay", 0.0, "clip_norm", 1.0, "seed", 4));
            Trainer.train(objective, full, poisoned, null, cfg, null, null);
            Metrics after = zeroShot(clf, full, tok, train, test, triggered, m);
            System.out.println("caption poisoning: before " + before + ", after " + after);
            assertTrue(after.asr() > before.asr() + 0.4, "ASR " + before.asr() + " -> " + after.asr());
            assertTrue(after.ca() > 0.5, "CA after poisoning " + after.ca());
        }
    }

    /** CA and ASR of the zero-shot classifier built from the current text tower. */
    private static Metrics zeroShot(ClipClassifier clf, StateDict full, ClipTokenizer tok, InMemoryDataset train,
            InMemoryDataset test, ImageDataset triggered, NDManager m) {
        try (StateDict w = TinyClip.classifierWeights(clf, full, tok, train.classes(), m)) {
            return Metrics.of(clf, w, test, triggered);
        }
    }
}
