package dev.tbar.attack;

import java.util.SplittableRandom;

/**
 * Independent random streams derived from one attack seed, one per purpose, so that (say) choosing poison indices
 * does not shift when the trigger draws more noise.
 */
public final class Seeds {
    private Seeds() {}

    public static SplittableRandom stream(long seed, String purpose) {
        return new SplittableRandom(mix(seed ^ mix(purpose.hashCode())));
    }

    public static SplittableRandom stream(long seed, String purpose, long index) {
        return new SplittableRandom(mix(mix(seed ^ mix(purpose.hashCode())) + index));
    }

    /** SplitMix64's finaliser: a bijection that spreads nearby seeds apart. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
