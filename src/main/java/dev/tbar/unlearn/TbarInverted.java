package dev.tbar.unlearn;

import dev.tbar.attack.Poisoning;
import dev.tbar.attack.Trigger;
import dev.tbar.invert.NeuralCleanse;

/**
 * TBAR when the attack is unknown: invert the trigger with Neural Cleanse on the defender's clean images, take the
 * confirmed target, then run {@link Tbar} with the inverted trigger in place of the real one. Alpha is chosen on
 * validation images carrying the inverted trigger too: the defender never sees the real one.
 */
public record TbarInverted(NeuralCleanse.Config invert, Tbar.Config tbar) implements Defense {
    public static final String NAME = "tbar-inverted";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DefenseOutcome apply(DefenseContext ctx) {
        return TriggerInversion.thenDefend(NAME, ctx, invert,
                inv -> withTrigger(ctx, tbar, inv.trigger(), inv.target()));
    }

    /**
     * TBAR with an inverted {@code trigger} and {@code target} in place of the real ones, alpha chosen on validation
     * images carrying that trigger. Shared by every defense that unlearns a reverse-engineered trigger with TBAR.
     */
    static DefenseOutcome withTrigger(DefenseContext ctx, Tbar.Config tbar, Trigger trigger, int target) {
        ValidationSets validation = new ValidationSets(ctx.validation().clean(),
                Poisoning.triggeredTestSet(ctx.validation().clean(), trigger, target));
        return new Tbar(forInvertedTrigger(tbar)).apply(new DefenseContext(ctx.model(), ctx.backdoored(),
                ctx.cleanData(), trigger, target, validation, ctx.augment(), ctx.seed(), ctx.workDir()));
    }

    /**
     * The trigger vector alone, whatever {@code tbar.vector} says: the combined vector won with the attack's own
     * trigger, but with an inverted one it reached zero validation ASR (measured with that inverted pattern) at an
     * alpha that left most of the real backdoor on the tests' tiny model (README, Unknown triggers).
     */
    public static Tbar.Config forInvertedTrigger(Tbar.Config tbar) {
        return Tbar.SECTION.with(tbar, "vector=trigger");
    }
}
