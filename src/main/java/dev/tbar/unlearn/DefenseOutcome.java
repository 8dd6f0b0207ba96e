package dev.tbar.unlearn;

import dev.tbar.model.StateDict;
/**
 * The cleaned weights with the cost of getting them: images used (the data budget compared across defenses), training
 * steps and wall time.
 */
public record DefenseOutcome(
        String defense,
        StateDict cleaned,
        int imagesUsed,
        long steps,
        double seconds,
        DefenseDetails details) {}
