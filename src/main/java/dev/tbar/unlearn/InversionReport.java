package dev.tbar.unlearn;

/**
 * How a defense that works without the real trigger found one (Neural Cleanse or DECREE), next to the truth it was
 * not told: the experiment's {@code trueTarget}, for reports only.
 */
public sealed interface InversionReport permits TriggerInversion.Report, DecreeDetection.Report {
    boolean flagged();

    /** The class the backdoored model sends most images carrying the inverted trigger: the target used. */
    int detectedTarget();

    double majorityShare();

    int trueTarget();

    boolean detectionCorrect();

    int imagesUsed();

    /**
     * A defense's own details with the inversion that gave it its trigger: one JSON object, the inversion's report
     * under {@code inversion} and the defense's keys beside it.
     */
    record Inverted(InversionReport inversion, @com.fasterxml.jackson.annotation.JsonUnwrapped DefenseDetails defense)
            implements DefenseDetails {}
}
