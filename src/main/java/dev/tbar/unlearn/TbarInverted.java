package dev.tbar.unlearn;

import dev.tbar.attack.Poisoning;
import dev.tbar.invert.NeuralCleanse;

/**
 * TBAR when the attack is unknown: invert the trigger with Neural Cleanse on the defender's clean images, take the
 * confirmed target, then run {@link Tbar} with the inverted trigger in place of the real one. Alpha is chosen on
 * validation images carrying the inverted trigger too: the defender never sees the real one.
 */
public final class TbarInverted implements Defense {
    public static final String NAME = "tbar-inverted";

    private final NeuralCleanse.Config invert;
    private final Tbar.Config tbar;

    public TbarInverted(NeuralCleanse.Config invert, Tbar.Config tbar) {
        this.invert = invert;
        this.tbar = tbar;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DefenseOutcome apply(DefenseContext ctx) {
        return TriggerInversion.thenDefend(NAME, ctx, invert, inv -> {
            ValidationSets validation = new ValidationSets(ctx.validation().clean(),
                    Poisoning.triggeredTestSet(ctx.validation().clean(), inv.trigger(), inv.target()));
            return new Tbar(tbar).apply(new DefenseContext(ctx.model(), ctx.backdoored(), ctx.cleanData(),
                    inv.trigger(), inv.target(), validation, ctx.augment(), ctx.seed(), ctx.workDir()));
        });
    }
}
