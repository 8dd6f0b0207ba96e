package dev.tbar.unlearn;

/**
 * A backdoor defense that turns backdoored weights into cleaned ones using only what the defender owns: a small
 * clean split, the trigger (known, or reverse-engineered) and validation data. Implementations are looked up by name
 * in {@link Defenses}.
 */
public interface Defense {
    String name();

    DefenseOutcome apply(DefenseContext context);
}
