package dev.tbar.attack;

import dev.tbar.data.Image;
import dev.tbar.data.ImageDataset;
import java.util.List;

/** A view of selected items of a dataset, each triggered and labelled with the target class. */
public final class TriggeredDataset implements ImageDataset {
    private final ImageDataset source;
    private final Trigger trigger;
    private final int target;
    private final int[] indices;
    private final String what;

    TriggeredDataset(ImageDataset source, Trigger trigger, int target, int[] indices, String what) {
        this.source = source;
        this.trigger = trigger;
        this.target = target;
        this.indices = indices;
        this.what = what;
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public int label(int i) {
        return target;
    }

    @Override
    public Image image(int i) {
        return trigger.apply(source.image(indices[i]));
    }

    @Override
    public List<String> classes() {
        return source.classes();
    }

    /** The true class of item {@code i}, before the trigger. */
    public int trueLabel(int i) {
        return source.label(indices[i]);
    }

    /** Index in the source dataset of item {@code i}. */
    public int sourceIndex(int i) {
        return indices[i];
    }

    public Trigger trigger() {
        return trigger;
    }

    @Override
    public String describe() {
        return what + " of " + source.describe() + " (" + indices.length + " images, " + trigger.name()
                + " trigger, target " + target + ")";
    }
}
