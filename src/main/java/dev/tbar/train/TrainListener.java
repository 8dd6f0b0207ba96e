package dev.tbar.train;

import java.nio.file.Path;

/** Observes a training run: progress display, logging, metrics. Every method is optional. */
public interface TrainListener {
    TrainListener NONE = new TrainListener() {};

    /**
     * The run's plan, before the first step.
     *
     * @param startStep steps already done (restored by a resume)
     */
    record Plan(long totalSteps, long stepsPerEpoch, long startStep, int batchSize, int datasetSize) {}

    /**
     * One finished step.
     *
     * @param step            steps done so far (1-based)
     * @param epoch           0-based epoch of this step
     * @param epochEnd        whether this step ended an epoch (or the run)
     * @param epochMeanLoss   mean loss of this epoch's steps so far
     * @param imagesPerSecond throughput since this call started
     * @param etaSeconds      estimated time left, from this call's throughput
     */
    record Step(long step, long totalSteps, long epoch, boolean epochEnd, double loss, double epochMeanLoss,
            double lr, double gradNorm, double imagesPerSecond, double etaSeconds) {}

    default void onStart(Plan plan) {}

    default void onStep(Step step) {}

    default void onCheckpoint(Path file, long step) {}

    /** Called once at the end, also when the run failed ({@code result} is then null). */
    default void onEnd(TrainResult result) {}
}
