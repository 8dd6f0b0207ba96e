package dev.tbar.data;

import java.util.SplittableRandom;

/** A (possibly random) image-to-image transform applied when a batch is built, e.g. random crop or flip. */
@FunctionalInterface
public interface Transform {
    Transform IDENTITY = (image, rnd) -> image;

    /** Returns the transformed image; {@code rnd} is the only source of randomness, so runs are reproducible. */
    Image apply(Image image, SplittableRandom rnd);

    default Transform then(Transform next) {
        return (image, rnd) -> next.apply(apply(image, rnd), rnd);
    }
}
