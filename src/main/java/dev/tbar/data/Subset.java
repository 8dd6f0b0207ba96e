package dev.tbar.data;

import java.util.List;

/** A view of selected items of another dataset, in the given order; nothing is copied or decoded. */
public final class Subset implements ImageDataset {
    private final ImageDataset source;
    private final int[] indices;
    private final String description;

    public Subset(ImageDataset source, int[] indices, String description) {
        for (int i : indices) {
            if (i < 0 || i >= source.size()) {
                throw new IndexOutOfBoundsException("index " + i + " outside 0.." + (source.size() - 1));
            }
        }
        this.source = source;
        this.indices = indices.clone();
        this.description = description;
    }

    @Override
    public int size() {
        return indices.length;
    }

    @Override
    public int label(int i) {
        return source.label(indices[i]);
    }

    @Override
    public Image image(int i) {
        return source.image(indices[i]);
    }

    @Override
    public List<String> classes() {
        return source.classes();
    }

    /** Positions in the source dataset, in view order. */
    public int[] indices() {
        return indices.clone();
    }

    /** Position of item {@code i} in the source (no copy of the index array). */
    public int sourceIndex(int i) {
        return indices[i];
    }

    public ImageDataset source() {
        return source;
    }

    @Override
    public String describe() {
        return description + " (" + indices.length + " of " + source.describe() + ")";
    }
}
