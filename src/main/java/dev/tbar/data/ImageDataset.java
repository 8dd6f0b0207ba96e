package dev.tbar.data;

import java.util.List;

/**
 * A labelled image collection with random access. Implementations are views where possible (subsets, poisoned
 * copies) so that nothing is decoded or copied twice.
 */
public interface ImageDataset {
    int size();

    /** Label of item {@code i}, in 0..numClasses-1. */
    int label(int i);

    /** Item {@code i} as a fresh image the caller may modify. */
    Image image(int i);

    /** Class names, index = label. */
    List<String> classes();

    default int numClasses() {
        return classes().size();
    }

    /** A short description for reports and manifests (source, split, size). */
    default String describe() {
        return getClass().getSimpleName() + " (" + size() + " images, " + numClasses() + " classes)";
    }
}
