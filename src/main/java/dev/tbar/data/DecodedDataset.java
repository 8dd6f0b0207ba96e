package dev.tbar.data;

import java.util.List;

/**
 * Every image of another dataset decoded once and kept as floats, for work that reads the same images many times
 * (optimisation loops, grids of evaluations). Unlike {@link InMemoryDataset} nothing is rounded to 8 bits, so
 * blended or inverted triggers stay exact.
 */
public final class DecodedDataset implements ImageDataset {
    private final Image[] images;
    private final int[] labels;
    private final List<String> classes;
    private final String description;

    private DecodedDataset(Image[] images, int[] labels, List<String> classes, String description) {
        this.images = images;
        this.labels = labels;
        this.classes = classes;
        this.description = description;
    }

    /** Decodes every item of {@code data} now; later changes to {@code data} are not seen. */
    public static DecodedDataset of(ImageDataset data) {
        if (data instanceof DecodedDataset decoded) {
            return decoded; // already decoded, and never changed after construction
        }
        Image[] images = new Image[data.size()];
        int[] labels = new int[data.size()];
        for (int i = 0; i < images.length; i++) {
            images[i] = data.image(i);
            labels[i] = data.label(i);
        }
        return new DecodedDataset(images, labels, List.copyOf(data.classes()), data.describe());
    }

    /** The decoded images themselves (not copies), for batching: callers must not modify them. */
    public Image[] images() {
        return images;
    }

    /** The labels themselves (not a copy): callers must not modify them. */
    public int[] labels() {
        return labels;
    }

    @Override
    public int size() {
        return images.length;
    }

    @Override
    public int label(int i) {
        return labels[i];
    }

    @Override
    public Image image(int i) {
        return images[i].copy();
    }

    @Override
    public List<String> classes() {
        return classes;
    }

    @Override
    public String describe() {
        return description;
    }
}
