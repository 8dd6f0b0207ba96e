package dev.tbar.unlearn;

import dev.tbar.invert.Decree;
import dev.tbar.invert.NeuralCleanse;

/**
 * Settings of every registered defense, one section each; {@code invert} is the trigger inversion shared by the
 * defenses that work without the real trigger ({@code tbar-inverted}, {@code nc-unlearn}); {@code decree} is
 * {@code tbar-decree}'s.
 */
public record DefenseConfig(Tbar.Config tbar, FineTune.Config finetune, NeuralCleanse.Config invert,
        NcUnlearn.Config ncUnlearn, FinePruning.Config finePruning, CleanClip.Config cleanclip,
        Decree.Config decree) {
    public DefenseConfig {
        cleanclip = cleanclip == null ? CleanClip.Config.defaults() : cleanclip;
        decree = decree == null ? Decree.Config.defaults() : decree;
    }

    /**
     * The same settings with every defense given {@code images} defender images, so that a comparison spends an
     * equal data budget on each.
     */
    public DefenseConfig withImageBudget(int images) {
        return new DefenseConfig(tbar.withTriggerSetSize(images), finetune.withImages(images),
                invert.withImages(images), ncUnlearn.withImages(images), finePruning.withImages(images),
                cleanclip.withImages(images), decree.withImages(images));
    }
}
