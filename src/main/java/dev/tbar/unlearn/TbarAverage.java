package dev.tbar.unlearn;

import dev.tbar.TbarException;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.StateDict;
import dev.tbar.taskvector.TaskVector;
import dev.tbar.train.Objective;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainResult;

/**
 * An averaged trigger vector (tbar-average, a TBAR+ direction): the trigger fine-tuning runs {@code runs} times from
 * theta_bd with different shuffling seeds and tau is the mean of the runs' vectors. What the runs share (the trigger)
 * stays; what each run's batch order adds on its own averages out.
 */
public final class TbarAverage {
    /** @param runs trigger fine-tunings averaged (1 = the plain tau) */
    public record Config(int runs) {
        public Config {
            if (runs < 1 || runs > 64) {
                throw new TbarException("tbar_average.runs must be in [1, 64], got " + runs);
            }
        }

        public static Config defaults() {
            return new Config(4);
        }
    }

    public static final Section<Config> SECTION = new Section<>("tbar_average", Config.class, Config.defaults());

    private TbarAverage() {}

    /**
     * The mean of {@code runs} trigger vectors, run r fine-tuned with shuffling seed {@code train.seed + r} (run 0 is
     * plain TBAR's); {@code fit} holds the last run and {@code steps} the sum of all runs' steps; {@code kind} names
     * the fine-tuning in progress messages. The caller owns tau.
     */
    static TaskVector triggerVector(DefenseContext ctx, ImageDataset triggerSet, TrainConfig train, Objective objective,
            int runs, TrainResult[] fit, long[] steps, String kind) {
        TaskVector sum = null;
        try {
            for (int r = 0; r < runs; r++) {
                TrainConfig run = r == 0 ? train : train.with("seed", train.seed() + r);
                String task = "tbar " + kind + " fine-tuning" + (runs == 1 ? "" : " " + (r + 1) + "/" + runs);
                TaskVector tau;
                try (StateDict thetaT = ctx.finetuneCopy(triggerSet, run, objective, task, fit)) {
                    tau = TaskVector.between(ctx.backdoored(), thetaT);
                }
                steps[0] += fit[0].steps();
                if (sum == null) {
                    sum = tau; // the first run's vector is kept as it is: plain TBAR makes no copy
                } else {
                    try (TaskVector previous = sum; tau) {
                        sum = previous.add(tau);
                    }
                }
            }
        } catch (RuntimeException e) {
            if (sum != null) {
                sum.close();
            }
            throw e;
        }
        if (runs == 1) {
            return sum;
        }
        try (TaskVector total = sum) {
            return total.scale(1.0 / runs);
        }
    }
}
