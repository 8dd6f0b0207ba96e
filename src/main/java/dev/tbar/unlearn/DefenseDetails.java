package dev.tbar.unlearn;

/**
 * What a defense reports about its run beside the cleaned weights: each defense's own record (its choices on the
 * validation split, its training runs), written to the results JSON as it is, with camelCase keys.
 */
public interface DefenseDetails {}
