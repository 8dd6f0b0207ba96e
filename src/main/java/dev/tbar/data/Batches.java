package dev.tbar.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.tbar.util.NDArrays;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/** Turns images into (N, C, H, W) float tensors and labels into int64 tensors. */
public final class Batches {
    private Batches() {}

    /**
     * Stacks {@code images} (all of one shape) into a tensor on {@code manager}, in engine-owned memory so that
     * views of it stay valid after the Java buffer is collected.
     */
    public static NDArray pixels(NDManager manager, Image[] images) {
        Image first = images[0];
        int per = first.pixels().length;
        FloatBuffer buf = ByteBuffer.allocateDirect(4 * per * images.length).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        for (Image im : images) {
            if (im.pixels().length != per) {
                throw new IllegalArgumentException("images in a batch differ in size: " + im.channels() + "x"
                        + im.height() + "x" + im.width() + " vs " + first.channels() + "x" + first.height() + "x"
                        + first.width());
            }
            buf.put(im.pixels());
        }
        buf.flip();
        return NDArrays.owned(
                manager.create(buf, new Shape(images.length, first.channels(), first.height(), first.width())));
    }

    /** Items {@code from} to {@code from + count - 1} of {@code data}, decoded and stacked as (count, C, H, W). */
    public static NDArray pixels(NDManager manager, ImageDataset data, int from, int count) {
        Image[] images = new Image[count];
        for (int i = 0; i < count; i++) {
            images[i] = data.image(from + i);
        }
        return pixels(manager, images);
    }

    /** The labels of items {@code from} to {@code from + count - 1} of {@code data}, as int64 (count). */
    public static NDArray labels(NDManager manager, ImageDataset data, int from, int count) {
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = data.label(from + i);
        }
        return labels(manager, labels);
    }

    public static NDArray labels(NDManager manager, int[] labels) {
        long[] l = new long[labels.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = labels[i];
        }
        return NDArrays.owned(manager.create(l)); // objectives take views (reshape, same-type casts) of labels
    }
}
