package dev.tbar.train;

import dev.tbar.model.StateDict;

/**
 * Observes the training loop: progress display, divergence checks, checkpoints, logging. Every method is optional;
 * a listener may stop the run by throwing.
 */
public interface TrainListener {
    TrainListener NONE = new TrainListener() {};

    /** Listeners called in the given order. */
    static TrainListener all(TrainListener... listeners) {
        return new TrainListener() {
            @Override
            public void onStart(Plan plan) {
                for (TrainListener l : listeners) {
                    l.onStart(plan);
                }
            }

            @Override
            public void onEpochEnd(EpochEnd state) {
                for (TrainListener l : listeners) {
                    l.onEpochEnd(state);
                }
            }

            @Override
            public void onStep(Step step) {
                for (TrainListener l : listeners) {
                    l.onStep(step);
                }
            }

            @Override
            public void onEnd(TrainResult result) {
                for (TrainListener l : listeners) {
                    l.onEnd(result);
                }
            }
        };
    }

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

    /**
     * The loop's whole state after the last step of an epoch (or of the run), before that step's {@link #onStep}:
     * what a checkpoint stores. The arrays belong to the loop; read them during the call only.
     *
     * @param losses the loss of every step so far
     * @param complete whether the run ends with this step
     * @param finite whether the last step's loss and gradient norm were finite (else it updated nothing, and a
     *     {@code DivergenceCheck} stops the run at its onStep)
     */
    record EpochEnd(StateDict weights, Optimizer optimizer, TrainConfig config, int datasetSize, long step,
            long imagesSeen, float[] losses, boolean complete, boolean finite) {}

    default void onStart(Plan plan) {}

    default void onEpochEnd(EpochEnd state) {}

    default void onStep(Step step) {}

    /** Called once at the end, also when the run failed ({@code result} is then null). */
    default void onEnd(TrainResult result) {}
}
