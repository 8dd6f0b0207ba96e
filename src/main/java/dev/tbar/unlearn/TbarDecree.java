package dev.tbar.unlearn;

import dev.tbar.data.ImageDataset;
import dev.tbar.invert.Decree;

/**
 * TBAR with a DECREE-inverted trigger: DECREE on the defender's clean images through the backdoored model's encoder,
 * target = the class the model predicts most often on images carrying the inverted trigger, then TBAR exactly as
 * {@code tbar-inverted} runs it (alpha chosen on validation images with the inverted trigger). TBAR runs whether or
 * not the model was flagged; the details record the flag next to the true target.
 */
public record TbarDecree(Decree.Config decree, Tbar.Config tbar) implements Defense {
    public static final String NAME = "tbar-decree";
    public static final Section<Decree.Config> SECTION = new Section<>("decree", Decree.Config.class,
            Decree.Config.defaults());

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DefenseOutcome apply(DefenseContext ctx) {
        long start = System.nanoTime();
        ImageDataset images = ctx.cleanImages(decree.images());
        // The context's seed reaches the inversion, as in TriggerInversion.
        DecreeDetection det = DecreeDetection.run(ctx.model(), ctx.backdoored(), images,
                decree.withImages(0).withSeed(ctx.seed() + decree.seed()));
        return TriggerInversion.merged(NAME, det.report(ctx.targetClass()),
                TbarInverted.withTrigger(ctx, tbar, det.trigger(), det.target()), start);
    }
}
