package dev.tbar.unlearn;

/**
 * Both vectors, one choice (tbar-either): TBAR with the trigger vector and TBAR with the unlearning vector
 * ({@code tbar.vector: unlearn}), each with its own validated alpha under the same CA floor; the model with the lower
 * validation ASR is returned, ties to the higher validation CA. The unlearning vector wins on some backdoors and loses
 * badly on others (README), and only validation data decides which; the price is both runs.
 */
public final class TbarEither implements Defense {
    public static final String NAME = "tbar-either";

    /** Which vector was returned ({@code trigger} or {@code unlearn}) and what each run chose and measured. */
    public record Details(String chosen, Tbar.Details trigger, Tbar.Details unlearn) implements DefenseDetails {}

    private final Tbar trigger;
    private final Tbar unlearn;

    public TbarEither(Tbar.Config config) {
        this.trigger = new Tbar(Tbar.SECTION.with(config, "vector=trigger"), NAME);
        this.unlearn = new Tbar(Tbar.SECTION.with(config, "vector=unlearn"), NAME);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public DefenseOutcome apply(DefenseContext ctx) {
        long start = System.nanoTime();
        DefenseOutcome t = trigger.apply(ctx);
        DefenseOutcome u;
        try {
            u = unlearn.apply(ctx);
        } catch (RuntimeException e) {
            t.cleaned().close();
            throw e;
        }
        Tbar.Details dt = (Tbar.Details) t.details();
        Tbar.Details du = (Tbar.Details) u.details();
        boolean useUnlearn = better(du.validation(), dt.validation());
        (useUnlearn ? t : u).cleaned().close();
        DefenseOutcome won = useUnlearn ? u : t;
        return new DefenseOutcome(NAME, won.cleaned(), won.imagesUsed(), t.steps() + u.steps(),
                (System.nanoTime() - start) / 1e9, new Details(useUnlearn ? "unlearn" : "trigger", dt, du));
    }

    /** Lower validation ASR, ties to higher CA; a run that kept no alpha (ASR NaN) loses to one that did. */
    static boolean better(AlphaPoint a, AlphaPoint b) {
        return Double.isNaN(b.asr()) && !Double.isNaN(a.asr()) || AlphaSelection.beats(a, b);
    }
}
