package dev.tbar.model.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.tbar.Shared;
import dev.tbar.attack.AttackConfig;
import dev.tbar.attack.AttackRegistry;
import dev.tbar.attack.Poisoning;
import dev.tbar.attack.Trigger;
import dev.tbar.data.ImageDataset;
import dev.tbar.data.Synthetic;
import dev.tbar.data.Transform;
import dev.tbar.eval.Metrics;
import dev.tbar.model.Checkpoints;
import dev.tbar.model.Safetensors;
import dev.tbar.model.StateDict;
import dev.tbar.train.Objectives;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.Trainer;
import dev.tbar.unlearn.AlphaGrid;
import dev.tbar.unlearn.DefenseContext;
import dev.tbar.unlearn.DefenseOutcome;
import dev.tbar.unlearn.Tbar;
import dev.tbar.unlearn.ValidationSets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TBAR on CLIP through the shared pieces: a random tiny CLIP in Hugging Face layout becomes a zero-shot classifier
 * ({@link ClipSource}), BadNets is implanted with the one training loop, the backdoored weights round-trip through
 * a file, and {@link Tbar} removes the backdoor.
 */
class ClipTbarEndToEndTest {
    /** 16 px images in 4 px patches, one 32-wide layer per tower, the real 49408-token vocabulary. */
    static final ClipConfig TINY = new ClipConfig(32, 1, 2, 64, 4, 16, 1e-5f, 32, 1, 2, 64, 49408, 16, 1e-5f, 16,
            ClipConfig.Activation.QUICK_GELU);
    static final int TARGET = 0;
    /** CA after TBAR must keep this share of the backdoored model's CA (and stay well above 10% chance). */
    static final double CA_KEPT = 0.8;

    /** Writes {@code w} with {@code cfg} as a Hugging Face checkpoint directory, with the shared tokenizer files. */
    static Path saveHf(ClipConfig cfg, StateDict w, Path dir) throws IOException {
        Path tokenizer = Shared.require("clip");
        Files.writeString(dir.resolve("config.json"), cfg.toHfJson());
        Safetensors.write(dir.resolve("model.safetensors"), w.asMap(), Map.of("format", "pt"));
        for (String f : new String[] {"vocab.json", "merges.txt"}) {
            Files.copy(tokenizer.resolve(f), dir.resolve(f));
        }
        return dir;
    }

    @Test
    @Disabled("not yet passing: under a shared 2-core load the 65-step implant takes ~40 s and reaches only ASR 0.43,"
            + " CA 0.28 (random text tower gives near-identical heads, max cosine 0.995); needs a contrastively"
            + " pretrained tiny CLIP (ClipContrastive) or a smaller task before it can be enabled")
    void tbarRemovesBadNetsFromATinyClip(@TempDir Path dir) throws IOException {
        ImageDataset attacker = Synthetic.generate(400, 16, "train", 1);
        ImageDataset defender = Synthetic.generate(200, 16, "defender", 1);
        ImageDataset validation = Synthetic.generate(200, 16, "validation", 1);
        ImageDataset test = Synthetic.generate(300, 16, "test", 1);
        AttackConfig attack = AttackConfig.of("badnets", TARGET, 0.1, 3, Map.of("size", 3));
        Trigger trigger = AttackRegistry.trigger(attack, 3, 16, 16);
        ImageDataset testTriggered = Poisoning.triggeredTestSet(test, trigger, TARGET);
        try (NDManager m = NDManager.newBaseManager()) {
            Path ckpt;
            try (StateDict pretrained = new ClipModel(TINY).initialize(m, 5)) {
                // CLIP's 0.02 init leaves the text blocks near identity, so every prompt would pool to nearly the
                // same embedding; 1/sqrt(width)-sized weights make the class prompts differ as in a trained model
                for (String k : pretrained.parameterNames()) {
                    if (k.startsWith("text_model.encoder.") && k.endsWith("proj.weight") || k.endsWith("fc1.weight")) {
                        pretrained.putParameter(k, pretrained.get(k).mul(9f));
                    } else if (k.endsWith("token_embedding.weight")) {
                        pretrained.putParameter(k, pretrained.get(k).mul(50f));
                    }
                }
                // trained CLIPs end at the scale's clamp, 100: the head's small differences become usable margins
                pretrained.putParameter(ClipModel.LOGIT_SCALE, m.create(new float[] {(float) Math.log(100)}));
                ckpt = saveHf(TINY, pretrained, Files.createDirectory(dir.resolve("clip")));
            }
            // the bare class name as prompt: shared template words would only dilute a random text tower
            ClipSource source = ClipSource.open(ckpt, null, null, List.of("{}"), Synthetic.CLASSES, 16, m);
            ClipClassifier model = source.model();
            try (StateDict w = source.baseWeights(m, 0); NDManager tmp = m.newSubManager()) {
                NDArray unit = ClipModel.normalize(w.get(ClipClassifier.HEAD).duplicate());
                NDArray cos = unit.matMul(unit.transpose()).sub(tmp.eye(10).mul(2)); // diagonal pushed out of the max
                assertTrue(cos.max().getFloat() < 0.999f, "class prompts give distinct heads: " + cos.max());
            }
            long t0 = System.nanoTime();
            TrainConfig implant = TrainConfig.adamw(3e-3).with("epochs", 5).with("clip_norm", 1.0).with("batch_size", 32)
                    .with("weight_decay", 0.0).with("seed", 7);
            StateDict backdoored = source.baseWeights(m, 0);
            Metrics start = Metrics.of(model, backdoored, test, testTriggered);
            Trainer.train(Objectives.crossEntropy(model), backdoored,
                    Poisoning.poisonTrainingSet(attacker, trigger, attack), Transform.IDENTITY, implant, null, null);
            Metrics bd = Metrics.of(model, backdoored, test, testTriggered);
            System.out.printf("implant %.1fs: CA %.3f -> %.3f, ASR %.3f -> %.3f%n", (System.nanoTime() - t0) / 1e9,
                    start.ca(), bd.ca(), start.asr(), bd.asr());
            assertTrue(bd.asr() > 0.9 && bd.asr() > start.asr() + 0.5, "backdoor implanted: " + bd);
            assertTrue(bd.ca() > 0.4, "clean task learnt: " + bd);

            // as tbar attack saves and tbar unlearn loads: the config travels in the metadata, keys are strict
            Path saved = dir.resolve("backdoored.safetensors");
            Checkpoints.save(backdoored, saved, source.metadata());
            ClipSource reopened = ClipSource.open(saved, null, null, null, Synthetic.CLASSES, 16, m);
            StateDict reloaded = reopened.baseWeights(m, 0);
            assertEquals(backdoored.names(), reloaded.names());
            assertArrayEquals(backdoored.get(ClipClassifier.HEAD).toFloatArray(),
                    reloaded.get(ClipClassifier.HEAD).toFloatArray());

            t0 = System.nanoTime();
            TrainConfig finetune = TrainConfig.adamw(2e-3).with("epochs", 3).with("clip_norm", 1.0).with("batch_size", 32)
                    .with("weight_decay", 0.0).with("seed", 8);
            Tbar tbar = new Tbar(new Tbar.Config(0, finetune, new AlphaGrid(0, 3, 16), 0.9, 0, 0, ".*"));
            DefenseContext ctx = new DefenseContext(reopened.model(), reloaded, defender, trigger, TARGET,
                    new ValidationSets(validation, Poisoning.triggeredTestSet(validation, trigger, TARGET)),
                    Transform.IDENTITY, 11, null);
            DefenseOutcome out = tbar.apply(ctx);
            Metrics after = Metrics.of(model, out.cleaned(), test, testTriggered);
            System.out.printf("tbar %.1fs (alpha %s): CA %.3f -> %.3f, ASR %.3f -> %.3f%n",
                    (System.nanoTime() - t0) / 1e9, out.details().get("alpha"), bd.ca(), after.ca(), bd.asr(),
                    after.asr());
            assertTrue(after.asr() < 0.3, "backdoor removed: " + after);
            assertTrue(after.ca() >= CA_KEPT * bd.ca(), "clean accuracy kept: " + after + " vs " + bd);
        }
    }
}
