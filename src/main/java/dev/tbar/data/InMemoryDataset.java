package dev.tbar.data;

import java.util.List;

/** Images decoded once and kept as 8-bit (C, H, W) bytes: 3 KiB per CIFAR image instead of 12 KiB as floats. */
public final class InMemoryDataset implements ImageDataset {
    private final int channels;
    private final int height;
    private final int width;
    private final byte[][] images;
    private final int[] labels;
    private final List<String> classes;
    private final String description;

    public InMemoryDataset(int channels, int height, int width, byte[][] images, int[] labels, List<String> classes,
            String description) {
        if (images.length != labels.length) {
            throw new IllegalArgumentException(images.length + " images but " + labels.length + " labels");
        }
        for (int l : labels) {
            if (l < 0 || l >= classes.size()) {
                throw new IllegalArgumentException("label " + l + " outside 0.." + (classes.size() - 1));
            }
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.images = images;
        this.labels = labels;
        this.classes = List.copyOf(classes);
        this.description = description;
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
        return Image.fromBytes(channels, height, width, images[i]);
    }

    public int channels() {
        return channels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** The stored 8-bit pixels of item {@code i} (not a copy): for hashing and caching. */
    public byte[] bytes(int i) {
        return images[i];
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
