package dev.tbar.config;

/**
 * A settings record that says how many defender images its method uses, so a comparison can give every method the
 * same data budget.
 */
public interface ImageBudget<C> {
    /** The same settings with {@code images} defender images (0 = all of them). */
    C withImages(int images);
}
