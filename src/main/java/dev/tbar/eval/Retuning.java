package dev.tbar.eval;

import dev.tbar.TbarException;
import dev.tbar.attack.Poisoning;
import dev.tbar.attack.Trigger;
import dev.tbar.data.Concat;
import dev.tbar.data.Datasets;
import dev.tbar.data.ImageDataset;
import dev.tbar.data.Subset;
import dev.tbar.data.Transform;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import dev.tbar.train.Objectives;
import dev.tbar.train.Progress;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.Trainer;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Post-purification robustness (Min et al., NeurIPS 2024, "superficial safety"): fine-tune a model briefly on a few
 * images of which a handful carry the trigger with the target label, and measure the ASR it reaches. A defense that
 * removed the backdoor should not regain it faster than a never-poisoned model learns it from the same images; one that
 * only suppressed it does.
 *
 * @param images images in the retuning set (0 = off)
 * @param poisoned how many of them carry the trigger, labelled with the target
 * @param train the retuning run
 */
public record Retuning(int images, int poisoned, TrainConfig train) {
    public Retuning {
        if (images < 0 || poisoned < 0 || poisoned > images) {
            throw new TbarException("retune: expected 0 <= retune.poisoned <= retune.images, got " + poisoned
                    + " of " + images);
        }
    }

    /** 20 images of which 2 are poisoned (1% of a 200-image defender budget), 30 SGD steps at lr 0.01. */
    public static Retuning defaults() {
        return new Retuning(20, 2, TrainConfig.defaults().with(Map.of("max_steps", 30, "batch_size", 20,
                "lr", 0.01)));
    }

    public boolean enabled() {
        return images > 0 && poisoned > 0;
    }

    /** The retuning set: {@code images} of {@code data}, the first {@code poisoned} of them triggered. */
    public ImageDataset set(ImageDataset data, Trigger trigger, int target, long seed) {
        Subset s = Datasets.sample(data, Math.min(images, data.size()), seed);
        int k = Math.min(poisoned, s.size());
        ImageDataset bad = Poisoning.triggerSet(new Subset(s, IntStream.range(0, k).toArray(), "retuning poison"),
                trigger, target);
        return k == s.size() ? bad : new Concat(bad, new Subset(s, IntStream.range(k, s.size()).toArray(),
                "retuning clean"));
    }

    /** The test ASR of a copy of {@code weights} after retuning on {@code set}. */
    public double regainedAsr(ImageClassifier model, StateDict weights, ImageDataset set,
            ImageDataset testTriggered) {
        try (StateDict w = weights.copy()) {
            Trainer.train(Objectives.crossEntropy(model), w, set, Transform.IDENTITY, train, null,
                    Progress.auto("retuning"));
            return Evaluator.accuracy(model, w, testTriggered);
        }
    }
}
