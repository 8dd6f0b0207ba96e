package dev.tbar.unlearn;

/** Settings of every registered defense, one section each. */
public record DefenseConfig(Tbar.Config tbar, FineTune.Config finetune, CleanClip.Config cleanclip) {
    public DefenseConfig {
        cleanclip = cleanclip == null ? CleanClip.Config.defaults() : cleanclip;
    }

    public DefenseConfig(Tbar.Config tbar, FineTune.Config finetune) {
        this(tbar, finetune, null);
    }

    /**
     * The same settings with every defense given {@code images} defender images, so that a comparison spends an
     * equal data budget on each.
     */
    public DefenseConfig withImageBudget(int images) {
        return new DefenseConfig(tbar.withTriggerSetSize(images), finetune.withImages(images),
                cleanclip.withImages(images));
    }
}
