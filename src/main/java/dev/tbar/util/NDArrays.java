package dev.tbar.util;

import ai.djl.ndarray.NDArray;

/** Engine-memory helpers that every layer needs. */
public final class NDArrays {
    private NDArrays() {}

    /**
     * A copy in engine-owned memory. An array created from a Java buffer only borrows it: views of it (reshape,
     * same-type casts, detached leaves) outlive the borrowing wrapper and then read freed memory.
     */
    public static NDArray owned(NDArray borrowed) {
        NDArray copy = borrowed.duplicate();
        borrowed.close();
        return copy;
    }
}
