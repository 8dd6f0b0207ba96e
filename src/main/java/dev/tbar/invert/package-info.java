/**
 * Trigger inversion, for backdoors whose trigger the defender does not know.
 *
 * <p>{@link dev.tbar.invert.NeuralCleanse} reverse-engineers a mask and pattern per class of a classifier and flags
 * the class whose mask is an outlier on the small side; {@link dev.tbar.invert.Decree} does the same for an
 * {@link dev.tbar.invert.ImageEncoder} without labels. Both return their triggers as
 * {@link dev.tbar.attack.InvertedTrigger}s, which the rest of tbar uses like known ones (the unlearn package's
 * {@code tbar-inverted} and {@code nc-unlearn} defenses, {@code tbar detect}).
 */
package dev.tbar.invert;
