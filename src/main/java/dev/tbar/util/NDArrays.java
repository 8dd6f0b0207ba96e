package dev.tbar.util;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

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

    /**
     * An engine-made 0-d constant of {@code like}'s type on its manager, for arithmetic that autograd may record.
     * {@code x.mul(float)} (likewise div, pow, maximum, minimum with a number) wraps the number in a tensor borrowed
     * from a Java buffer and closes it at once, but autograd keeps that tensor for the backward pass, which then
     * reads freed memory once the garbage collector has run: wrong gradients that depend on GC timing.
     */
    public static NDArray scalar(NDArray like, float value) {
        return like.getManager().full(new Shape(), value, like.getDataType());
    }
}
