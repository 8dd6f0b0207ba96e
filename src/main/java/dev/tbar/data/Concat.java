package dev.tbar.data;

import java.util.List;

/** Two datasets with the same classes, one after the other. */
public final class Concat implements ImageDataset {
    private final ImageDataset first;
    private final ImageDataset second;

    public Concat(ImageDataset first, ImageDataset second) {
        if (!first.classes().equals(second.classes())) {
            throw new IllegalArgumentException("cannot concatenate datasets with different classes");
        }
        this.first = first;
        this.second = second;
    }

    @Override
    public int size() {
        return first.size() + second.size();
    }

    @Override
    public int label(int i) {
        return i < first.size() ? first.label(i) : second.label(i - first.size());
    }

    @Override
    public Image image(int i) {
        return i < first.size() ? first.image(i) : second.image(i - first.size());
    }

    @Override
    public List<String> classes() {
        return first.classes();
    }

    @Override
    public String describe() {
        return first.describe() + " + " + second.describe();
    }
}
