package dev.tbar.train;

import java.util.SplittableRandom;

/**
 * The training loop's randomness, derived statelessly from the seed: the order of epoch {@code e} and the transform's
 * random stream at step {@code s} depend only on (seed, e) and (seed, s). A resumed run therefore needs no saved RNG
 * state beyond its step counter and replays exactly what an uninterrupted run would have drawn.
 */
public final class Shuffle {
    private static final long ORDER_STREAM = 0x6f72646572L; // "order"
    private static final long AUGMENT_STREAM = 0x6175676dL; // "augm"

    private Shuffle() {}

    /** A permutation of 0..n-1 for epoch {@code epoch} (Fisher-Yates). */
    public static int[] epochOrder(long seed, long epoch, int n) {
        SplittableRandom rnd = new SplittableRandom(derive(seed, ORDER_STREAM, epoch));
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** The random source handed to the transform for every image of step {@code step}, in batch order. */
    public static SplittableRandom stepRandom(long seed, long step) {
        return new SplittableRandom(derive(seed, AUGMENT_STREAM, step));
    }

    /**
     * A well-mixed seed for (seed, stream, index). Seeding SplittableRandom with seed + k would give overlapping,
     * shifted streams, so the inputs go through a 64-bit finaliser (MurmurHash3's fmix64) first.
     */
    static long derive(long seed, long stream, long index) {
        return fmix64(fmix64(seed ^ fmix64(stream)) + index);
    }

    private static long fmix64(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }
}
