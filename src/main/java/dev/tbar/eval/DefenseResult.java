package dev.tbar.eval;

import dev.tbar.unlearn.DefenseDetails;

/**
 * A defense's test-set outcome and cost. {@code dataFraction} is images used over the size of the poisoned training
 * set, the paper's measure of data budget. {@code der} is BackdoorBench's defense effectiveness rating ({@link
 * Metrics#der}); {@code regainedAsr} the test ASR after a short retuning on a few poisoned images ({@link Retuning};
 * NaN when off). {@code settingsHash} identifies everything that produced the result (the
 * experiment up to the backdoored model, the defense's name and its settings), so a stored result is reused only for
 * the same settings; {@code poolHash} is the same without the master seed, equal for the repetitions that a
 * leaderboard may pool.
 */
public record DefenseResult(
        String defense,
        Metrics test,
        double caRetention,
        double asrReduction,
        double der,
        double regainedAsr,
        int imagesUsed,
        double dataFraction,
        long steps,
        double seconds,
        DefenseDetails details,
        String settingsHash,
        String poolHash) {}
