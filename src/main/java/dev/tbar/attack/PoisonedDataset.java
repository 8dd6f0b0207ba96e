package dev.tbar.attack;

import dev.tbar.data.Image;
import dev.tbar.data.ImageDataset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A poisoned view of a training set: the items at the poison indices are triggered (and relabelled to the target
 * unless the attack is clean-label); for attacks with a noise mode the items at the cross indices are replaced by
 * their noise-triggered version with the true label. Nothing is copied; images are triggered when read.
 */
public final class PoisonedDataset implements ImageDataset {
    private static final byte CLEAN = 0;
    private static final byte POISON = 1;
    private static final byte CROSS = 2;

    private final ImageDataset clean;
    private final Trigger trigger;
    private final int target;
    private final long seed;
    private final double rate;
    private final int[] poisonIndices;
    private final int[] crossIndices;
    private final byte[] role;

    PoisonedDataset(ImageDataset clean, Trigger trigger, int target, long seed, double rate, int[] poisonIndices,
            int[] crossIndices) {
        this.clean = clean;
        this.trigger = trigger;
        this.target = target;
        this.seed = seed;
        this.rate = rate;
        this.poisonIndices = poisonIndices;
        this.crossIndices = crossIndices;
        this.role = new byte[clean.size()];
        for (int i : poisonIndices) {
            role[i] = POISON;
        }
        for (int i : crossIndices) {
            role[i] = CROSS;
        }
    }

    @Override
    public int size() {
        return clean.size();
    }

    @Override
    public int label(int i) {
        return role[i] == POISON && !trigger.cleanLabel() ? target : clean.label(i);
    }

    @Override
    public Image image(int i) {
        Image im = clean.image(i);
        switch (role[i]) {
            case POISON:
                return trigger.apply(im);
            case CROSS:
                // Per-item stream: the same item always gets the same noise, whatever the reading order.
                return ((CrossSampling) trigger).applyCross(im, Seeds.stream(seed, "cross-noise", i));
            default:
                return im;
        }
    }

    @Override
    public List<String> classes() {
        return clean.classes();
    }

    /** Sorted indices of the triggered items. */
    public int[] poisonIndices() {
        return poisonIndices.clone();
    }

    /** Sorted indices of the noise-mode items (empty unless the trigger has a noise mode). */
    public int[] crossIndices() {
        return crossIndices.clone();
    }

    public boolean isPoisoned(int i) {
        return role[i] == POISON;
    }

    public boolean isCross(int i) {
        return role[i] == CROSS;
    }

    /** The label of item {@code i} in the clean set. */
    public int trueLabel(int i) {
        return clean.label(i);
    }

    public ImageDataset clean() {
        return clean;
    }

    public Trigger trigger() {
        return trigger;
    }

    public int target() {
        return target;
    }

    /** What a run manifest records about the poisoning (the index lists are in {@link #poisonIndices()} etc.). */
    public Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("attack", trigger.name());
        m.put("parameters", trigger.parameters());
        m.put("trigger_sha256", trigger.sha256());
        m.put("target", target);
        m.put("poison_rate", rate);
        m.put("seed", seed);
        m.put("clean_label", trigger.cleanLabel());
        m.put("poisoned", poisonIndices.length);
        m.put("cross", crossIndices.length);
        m.put("train_size", clean.size());
        return m;
    }

    @Override
    public String describe() {
        return clean.describe() + ", poisoned by " + trigger.name() + " (" + poisonIndices.length + " poisoned"
                + (trigger.cleanLabel() ? ", clean-label" : "") + ", target " + target
                + (crossIndices.length > 0 ? ", " + crossIndices.length + " noise-mode" : "") + ")";
    }
}
