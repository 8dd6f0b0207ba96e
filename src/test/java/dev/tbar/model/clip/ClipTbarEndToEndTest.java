package dev.tbar.model.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.tbar.attack.AttackConfig;
import dev.tbar.attack.Poisoning;
import dev.tbar.attack.Trigger;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.eval.Metrics;
import dev.tbar.model.StateDict;
import dev.tbar.train.Objectives;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.Trainer;
import dev.tbar.unlearn.DefenseContext;
import dev.tbar.unlearn.DefenseOutcome;
import dev.tbar.unlearn.Tbar;
import dev.tbar.unlearn.ValidationSets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole story on a tiny CLIP: contrastive pretraining gives a working zero-shot head, the checkpoint round-trips
 * through our Hugging Face writer and ClipCheckpoint, a BadNets backdoor is implanted in the image tower under the
 * frozen head, and TBAR removes much of it. Measured here: zero-shot CA 0.79; backdoored CA 0.70, ASR 0.88; after
 * TBAR (alpha 0.05) CA 0.68, ASR 0.40. A longer implant (8+ epochs, ASR 1.0) gave a trigger vector that TBAR could
 * not separate from the clean task on this tiny model: ASR only fell once CA collapsed.
 */
class ClipTbarEndToEndTest {
    @Test
    void poisonThenTbarOnTinyClip(@TempDir Path dir) {
        ClipTokenizer tok = TinyClip.tokenizer(dir.resolve("tokenizer"));
        InMemoryDataset train = TinyClip.data(40, "train", 1);
        InMemoryDataset defender = TinyClip.data(20, "defender", 2);
        InMemoryDataset validation = TinyClip.data(15, "validation", 3);
        InMemoryDataset test = TinyClip.data(25, "test", 4);
        Trigger trigger = TinyClip.badNets();
        ClipClassifier clf = new ClipClassifier(TinyClip.CONFIG, 4, TinyClip.SIZE);
        try (NDManager m = NDManager.newBaseManager()) {
            StateDict full = TinyClip.pretrained(m, tok, train, 120);
            // Hugging Face layout with our writer, read back through the loader that real checkpoints use
            ClipCheckpoint.saveHuggingFace(dir.resolve("hf"), TinyClip.CONFIG, full);
            try (ClipCheckpoint.Loaded back = ClipCheckpoint.load(dir.resolve("hf/model.safetensors"), m)) {
                assertEquals(TinyClip.CONFIG, back.config());
                assertEquals(ClipCheckpoint.Layout.HUGGING_FACE, back.layout());
                for (String k : full.names()) {
                    assertArrayEquals(full.get(k).toFloatArray(), back.weights().get(k).toFloatArray(), 0f, k);
                }
            }
            StateDict clean = TinyClip.classifierWeights(clf, full, tok, train.classes(), m);
            full.close();
            Metrics zeroShot = Metrics.of(clf, clean, test, null);

            var poisoned = Poisoning.poisonTrainingSet(train, trigger,
                    AttackConfig.of("badnets", 0, 0.3, 7, Map.of("size", 6, "color", "noise")));
            var triggeredTest = Poisoning.triggeredTestSet(test, trigger, 0);
            TrainConfig implant = TrainConfig.adamw(3e-3).with(Map.of("epochs", 6, "batch_size", 32,
                    "weight_decay", 0.0, "warmup", 0.2, "clip_norm", 1.0, "seed", 3));
            Trainer.train(Objectives.crossEntropy(clf), clean, poisoned, null, implant, null, null);
            Metrics bd = Metrics.of(clf, clean, test, triggeredTest);

            Tbar tbar = new Tbar(Tbar.SECTION.with("finetune.optimizer=adamw", "finetune.lr=1e-3",
                    "finetune.train_mode=true", "finetune.batch_size=16", "alphas.max=2", "alphas.steps=41",
                    "ca_threshold=0.9", "bn_recalibration=0", "per_layer_alpha=false"));
            DefenseContext ctx = new DefenseContext(clf, clean, defender, trigger, 0, new ValidationSets(validation,
                    Poisoning.triggeredTestSet(validation, trigger, 0)), null, 11, null);
            DefenseOutcome out = tbar.apply(ctx);
            Metrics after = Metrics.of(clf, out.cleaned(), test, triggeredTest);
            System.out.printf("tiny CLIP: zero-shot CA %.3f; backdoored CA %.3f ASR %.3f; TBAR CA %.3f ASR %.3f"
                    + " (%d steps, %.1f s)%n", zeroShot.ca(), bd.ca(), bd.asr(), after.ca(), after.asr(), out.steps(),
                    out.seconds());
            assertTrue(zeroShot.ca() > 0.7, "zero-shot CA after contrastive pretraining " + zeroShot.ca());
            assertTrue(bd.asr() > 0.8 && bd.ca() > 0.55, "backdoored " + bd);
            assertTrue(after.asr() < 0.6 * bd.asr(), "ASR " + bd.asr() + " -> " + after.asr());
            assertTrue(after.ca() > 0.85 * bd.ca(), "CA " + bd.ca() + " -> " + after.ca());
            out.cleaned().close();
            clean.close();
        }
    }
}
