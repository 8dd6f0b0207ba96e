package dev.tbar.eval;

import java.util.List;
import java.util.Map;

/**
 * Everything measured in one run, written as {@code results.json}.
 *
 * @param pretrained test metrics of the starting weights (ASR with the trigger applied), null if not measured
 * @param backdoored test metrics after implanting the backdoor
 * @param implant the implanting run (steps, images/s, losses), null when the backdoored weights were given
 */
public record RunResults(
        String dataset,
        boolean syntheticData,
        String model,
        String attack,
        int target,
        int poisonedTrainingSetSize,
        int testImages,
        Metrics pretrained,
        Metrics backdoored,
        Object implant,
        List<DefenseResult> defenses,
        Map<String, Object> extra) {}
