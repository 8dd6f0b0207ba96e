package dev.tbar.train;

/**
 * What a training run did.
 *
 * @param steps           optimizer steps done in total (including steps before a resume)
 * @param imagesSeen      images used in those steps
 * @param seconds         wall time of this call
 * @param imagesPerSecond throughput of this call (images of this call / seconds)
 * @param stepLosses      loss of every step, from step 1
 * @param epochLosses     mean step loss per epoch (the last may be partial when train.max_steps is set)
 * @param finalLoss       mean loss over the last epoch's worth of steps
 * @param resumedFromStep steps restored from a checkpoint (0 for a fresh run)
 */
public record TrainResult(long steps, long imagesSeen, double seconds, double imagesPerSecond, float[] stepLosses,
        double[] epochLosses, double finalLoss, long resumedFromStep) {

    static TrainResult of(float[] losses, long stepsPerEpoch, long imagesSeen, long sessionImages, double seconds,
            long resumedFrom) {
        int epochs = (int) ((losses.length + stepsPerEpoch - 1) / stepsPerEpoch);
        double[] perEpoch = new double[epochs];
        for (int e = 0; e < epochs; e++) {
            int from = (int) (e * stepsPerEpoch);
            perEpoch[e] = mean(losses, from, (int) Math.min(losses.length, from + stepsPerEpoch));
        }
        double last = mean(losses, (int) Math.max(0, losses.length - stepsPerEpoch), losses.length);
        double rate = seconds > 0 ? sessionImages / seconds : 0;
        return new TrainResult(losses.length, imagesSeen, seconds, rate, losses, perEpoch, last, resumedFrom);
    }

    private static double mean(float[] v, int from, int to) {
        if (to <= from) {
            return Double.NaN;
        }
        double s = 0;
        for (int i = from; i < to; i++) {
            s += v[i];
        }
        return s / (to - from);
    }
}
