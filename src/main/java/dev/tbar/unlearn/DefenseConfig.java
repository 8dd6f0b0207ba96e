package dev.tbar.unlearn;

/** Settings of every registered defense, one section each. */
public record DefenseConfig(Tbar.Config tbar, FineTune.Config finetune, FinePruning.Config finePruning) {
    /**
     * The same settings with every defense given {@code images} defender images, so that a comparison spends an
     * equal data budget on each.
     */
    public DefenseConfig withImageBudget(int images) {
        return new DefenseConfig(tbar.withTriggerSetSize(images), finetune.withImages(images),
                finePruning.withImages(images));
    }
}
