package dev.tbar.unlearn;

import dev.tbar.model.ImageClassifier;

/**
 * A backdoor defense that turns backdoored weights into cleaned ones using only what the defender owns: a small
 * clean split, the trigger (known, or reverse-engineered) and validation data. Implementations are looked up by name
 * in {@link Defenses}.
 */
public interface Defense {
    String name();

    /** Refuses, before any work starts, a model this defense cannot run on; by default every model is fine. */
    default void checkModel(ImageClassifier model) {}

    DefenseOutcome apply(DefenseContext context);
}
