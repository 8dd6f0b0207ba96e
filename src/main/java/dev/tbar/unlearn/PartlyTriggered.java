package dev.tbar.unlearn;

import dev.tbar.attack.Trigger;
import dev.tbar.data.Image;
import dev.tbar.data.ImageDataset;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A view of {@code base} with a seeded subset of round(fraction * N) images carrying a trigger, labels unchanged: the
 * unlearning set of NC-unlearn and of tbar-repair, on which the model learns to ignore the trigger.
 */
final class PartlyTriggered implements ImageDataset {
    private final ImageDataset base;
    private final Trigger trigger;
    private final boolean[] on;
    final int triggered;

    PartlyTriggered(ImageDataset base, Trigger trigger, double fraction, long seed) {
        this.base = base;
        this.trigger = trigger;
        int n = base.size();
        int k = (int) Math.round(fraction * n);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        this.on = new boolean[n];
        for (int i = 0; i < k; i++) { // partial Fisher-Yates: the first k of a seeded shuffle
            int j = i + rnd.nextInt(n - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
            on[idx[i]] = true;
        }
        this.triggered = k;
    }

    @Override
    public int size() {
        return base.size();
    }

    @Override
    public int label(int i) {
        return base.label(i);
    }

    @Override
    public Image image(int i) {
        Image im = base.image(i);
        return on[i] ? trigger.apply(im) : im;
    }

    @Override
    public List<String> classes() {
        return base.classes();
    }

    @Override
    public String describe() {
        return base.describe() + ", " + triggered + " with the trigger " + trigger.name() + " (true labels)";
    }
}
