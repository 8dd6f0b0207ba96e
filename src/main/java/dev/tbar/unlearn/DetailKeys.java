package dev.tbar.unlearn;

/**
 * Keys of {@link DefenseOutcome#details()} that more than one class writes or that something other than the writer
 * reads (reports, tests). Like every key of a result JSON they are camelCase, the spelling Jackson gives the
 * records beside them; run folders written before 2026-11 used snake_case here, which readers of stored files accept
 * through {@code report.Json.field}.
 */
public final class DetailKeys {
    public static final String ALPHA = "alpha";
    public static final String SWEEP = "sweep";
    public static final String VALIDATION = "validation";
    public static final String VALIDATION_CA_FLOOR = "validationCaFloor";
    public static final String VALIDATION_BASE_CA = "validationBaseCa";
    public static final String IMAGES_USED = "imagesUsed";
    public static final String FINETUNE = "finetune";
    public static final String TRIGGER_VECTOR_NORM = "triggerVectorNorm";
    public static final String LINEARIZED = "linearized";
    public static final String CLEAN_DIRECTION_COSINE = "cleanDirectionCosine";
    public static final String CLEAN_DIRECTION_COEFFICIENT = "cleanDirectionCoefficient";
    public static final String LAYER_FACTORS = "layerFactors";
    public static final String PRUNED = "pruned";
    public static final String PRUNED_CHANNELS = "prunedChannels";
    public static final String TRIGGERED_IMAGES = "triggeredImages";

    /** The trigger-inversion section of TBAR-inverted and NC-unlearning, and its keys. */
    public static final String INVERSION = "inversion";
    public static final String FLAGGED = "flagged";
    public static final String CANDIDATE = "candidate";
    public static final String CLASSES = "classes";
    public static final String ANOMALY_INDEX = "anomalyIndex";
    public static final String DETECTED_TARGET = "detectedTarget";
    public static final String MAJORITY_SHARE = "majorityShare";
    public static final String TRUE_TARGET = "trueTarget";
    public static final String DETECTION_CORRECT = "detectionCorrect";
    /** DECREE's detection: which inversion ran, its PL1-norm, the cut below which it flags, the collapse reached. */
    public static final String METHOD = "method";
    public static final String PL1 = "pl1";
    public static final String FLAG_THRESHOLD = "flagThreshold";
    public static final String MEAN_COSINE = "meanCosine";

    private DetailKeys() {}
}
