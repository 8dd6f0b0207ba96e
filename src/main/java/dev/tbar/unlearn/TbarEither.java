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
        Picked p = pick(ctx, trigger, unlearn);
        return p.outcome(NAME, new Details(p.secondWon() ? "unlearn" : "trigger", p.first(), p.second()));
    }

    /**
     * Two finished TBAR runs on the same context and which one validation prefers ({@link #better}); the loser's
     * weights are closed, the winner's are {@link #won}'s.
     */
    record Picked(DefenseOutcome won, boolean secondWon, Tbar.Details first, Tbar.Details second, long steps,
            double seconds) {
        /** The winner's weights under {@code name}, with both runs' steps and time. */
        DefenseOutcome outcome(String name, DefenseDetails details) {
            return new DefenseOutcome(name, won.cleaned(), won.imagesUsed(), steps, seconds, details);
        }
    }

    static Picked pick(DefenseContext ctx, Tbar first, Tbar second) {
        long start = System.nanoTime();
        DefenseOutcome a = first.apply(ctx);
        DefenseOutcome b;
        try {
            b = second.apply(ctx);
        } catch (RuntimeException e) {
            a.cleaned().close();
            throw e;
        }
        Tbar.Details da = (Tbar.Details) a.details();
        Tbar.Details db = (Tbar.Details) b.details();
        boolean secondWon = better(db.validation(), da.validation());
        (secondWon ? a : b).cleaned().close();
        return new Picked(secondWon ? b : a, secondWon, da, db, a.steps() + b.steps(),
                (System.nanoTime() - start) / 1e9);
    }

    /** Lower validation ASR, ties to higher CA; a run that kept no alpha (ASR NaN) loses to one that did. */
    static boolean better(AlphaPoint a, AlphaPoint b) {
        return Double.isNaN(b.asr()) && !Double.isNaN(a.asr()) || AlphaSelection.beats(a, b);
    }
}
