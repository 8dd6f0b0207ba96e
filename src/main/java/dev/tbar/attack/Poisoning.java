package dev.tbar.attack;

import dev.tbar.TbarException;
import dev.tbar.data.ImageDataset;
import dev.tbar.util.Errors;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/** Builds the poisoned training view, the triggered test view (for ASR) and TBAR's trigger set. */
public final class Poisoning {
    private Poisoning() {}

    /**
     * Poisons round(poison_rate * N) items chosen by the seed: from non-target classes, relabelled to the target
     * (all-to-one), or from the target class with labels kept (clean-label triggers). A trigger with a noise mode
     * also gets round(cross_ratio * poisoned) other items as noise-mode samples with their true labels.
     */
    public static PoisonedDataset poisonTrainingSet(ImageDataset clean, Trigger t, AttackConfig cfg) {
        int target = checkTarget(clean, cfg.target());
        checkShape(clean, t);
        int n = clean.size();
        long count = Math.round(cfg.poisonRate() * n);
        boolean cleanLabel = t.cleanLabel();
        int[] candidates = IntStream.range(0, n).filter(i -> (clean.label(i) == target) == cleanLabel).toArray();
        if (count > candidates.length) {
            throw new TbarException("attack 'poison_rate' " + cfg.poisonRate() + " asks for " + count
                    + " poisoned images but only " + candidates.length + " are " + (cleanLabel
                            ? "in the target class " + target + " (" + t.name() + " is clean-label)"
                            : "outside the target class " + target) + " in " + clean.describe());
        }
        int[] poison = choose(candidates, (int) count, Seeds.stream(cfg.seed(), "poison-indices"));
        int[] cross = new int[0];
        if (t instanceof CrossSampling cs && cs.crossRatio() > 0) {
            long crossCount = Math.round(cs.crossRatio() * count);
            boolean[] taken = new boolean[n];
            for (int i : poison) {
                taken[i] = true;
            }
            int[] rest = IntStream.range(0, n).filter(i -> !taken[i]).toArray();
            if (crossCount > rest.length) {
                throw new TbarException("attack '" + t.name() + "': parameter 'cross_ratio' = " + cs.crossRatio()
                        + " asks for " + crossCount + " noise-mode images but only " + rest.length
                        + " images are not poisoned");
            }
            cross = choose(rest, (int) crossCount, Seeds.stream(cfg.seed(), "cross-indices"));
        }
        return new PoisonedDataset(clean, t, target, cfg.seed(), cfg.poisonRate(), poison, cross);
    }

    /** Test images whose true label is not the target, triggered and labelled target: accuracy on it is the ASR. */
    public static TriggeredDataset triggeredTestSet(ImageDataset test, Trigger t, int target) {
        checkTarget(test, target);
        checkShape(test, t);
        int[] idx = IntStream.range(0, test.size()).filter(i -> test.label(i) != target).toArray();
        return new TriggeredDataset(test, t, target, idx, "triggered non-target images");
    }

    /** Every image triggered and labelled target: TBAR's trigger set for a known attack. */
    public static TriggeredDataset triggerSet(ImageDataset images, Trigger t, int target) {
        checkTarget(images, target);
        checkShape(images, t);
        return new TriggeredDataset(images, t, target, IntStream.range(0, images.size()).toArray(), "trigger set");
    }

    private static int checkTarget(ImageDataset data, int target) {
        if (target < 0 || target >= data.numClasses()) {
            throw new TbarException("attack 'target' " + target + " is not a class of " + data.describe()
                    + " (expected 0.." + (data.numClasses() - 1) + ")");
        }
        return target;
    }

    /** Fails early, with both shapes named, when the trigger was built for another image size. */
    private static void checkShape(ImageDataset data, Trigger t) {
        if (data.size() == 0) {
            return;
        }
        try {
            t.apply(data.image(0));
        } catch (IllegalArgumentException e) {
            throw new TbarException("attack '" + t.name() + "' cannot be applied to " + data.describe() + ": "
                    + Errors.reason(e), e);
        }
    }

    /** {@code k} distinct elements of {@code from} by a partial Fisher-Yates shuffle, returned sorted. */
    static int[] choose(int[] from, int k, SplittableRandom rnd) {
        int[] a = from.clone();
        for (int i = 0; i < k; i++) {
            int j = i + rnd.nextInt(a.length - i);
            int tmp = a[i];
            a[i] = a[j];
            a[j] = tmp;
        }
        int[] out = Arrays.copyOf(a, k);
        Arrays.sort(out);
        return out;
    }
}
