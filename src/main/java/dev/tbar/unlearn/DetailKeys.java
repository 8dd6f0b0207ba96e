package dev.tbar.unlearn;

/**
 * Keys of stored defense details that readers of result JSON look up (the leaderboard's sweep figures, the tests of
 * stored folders): component names of the {@link DefenseDetails} records, camelCase like every key of a result JSON.
 * Run folders written before 2026-11 used snake_case here, which readers accept through {@code report.Json.field}.
 */
public final class DetailKeys {
    public static final String ALPHA = "alpha";
    public static final String SWEEP = "sweep";
    public static final String VALIDATION = "validation";
    public static final String VALIDATION_CA_FLOOR = "validationCaFloor";
    public static final String VALIDATION_BASE_CA = "validationBaseCa";
    public static final String IMAGES_USED = "imagesUsed";
    public static final String TRIGGER_VECTOR_NORM = "triggerVectorNorm";
    public static final String INVERSION = "inversion";
    public static final String DETECTION_CORRECT = "detectionCorrect";

    private DetailKeys() {}
}
