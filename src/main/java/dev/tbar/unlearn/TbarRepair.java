package dev.tbar.unlearn;

import dev.tbar.TbarException;
import dev.tbar.config.ImageBudget;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.StateDict;
import dev.tbar.taskvector.TaskVector;
import dev.tbar.train.Objectives;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainResult;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Repair after subtraction (tbar-repair, a TBAR+ direction): subtract tau with the smallest alpha of TBAR's sweep whose
 * validation ASR is at most {@code asrTarget} (or the lowest validation ASR reached; never less than TBAR's alpha),
 * ignoring the CA floor, then buy clean accuracy back by fine-tuning briefly on the defender's images, a share of them
 * carrying the trigger with their true labels to steer the fine-tuning away from the trigger (on CIFAR-10 it regrew the
 * backdoor all the same: README). The repaired model replaces TBAR's choice only when, on validation, it keeps the CA
 * floor and has a lower ASR (or the same ASR and a higher CA).
 */
public final class TbarRepair {
    private static final Logger LOG = LoggerFactory.getLogger(TbarRepair.class);

    /**
     * @param images clean defender images for the repair (0 = all of them)
     * @param asrTarget validation ASR the subtraction aims at before the repair
     * @param triggeredFraction share of the repair images that carry the trigger, with their true labels (0 = clean
     *     images only)
     * @param train the repair fine-tuning
     */
    public record Config(int images, double asrTarget, double triggeredFraction, TrainConfig train)
            implements ImageBudget<Config> {
        public Config {
            if (images < 0) {
                throw new TbarException("tbar_repair.images must be >= 0 (0 = all defender images), got " + images);
            }
            if (!(asrTarget >= 0 && asrTarget <= 1)) {
                throw new TbarException("tbar_repair.asr_target must be in [0, 1], got " + asrTarget);
            }
            if (!(triggeredFraction >= 0 && triggeredFraction <= 1)) {
                throw new TbarException("tbar_repair.triggered_fraction must be in [0, 1], got "
                        + triggeredFraction);
            }
        }

        /** ASR at most 2% before the repair; NC-unlearn's set (20% triggered) and run (5 epochs, lr 0.01). */
        public static Config defaults() {
            return new Config(0, 0.02, 0.2, FineTune.cleanTraining());
        }

        @Override
        public Config withImages(int n) {
            return new Config(n, asrTarget, triggeredFraction, train);
        }
    }

    public static final Section<Config> SECTION = new Section<>("tbar_repair", Config.class, Config.defaults());

    /**
     * What the repair tried: the alpha subtracted, validation CA and ASR after the repair, whether it replaced TBAR's
     * choice, and its fine-tuning run.
     */
    public record Report(double repairAlpha, AlphaPoint repaired, boolean repairUsed, TrainResult repairFinetune) {}

    /** The repaired weights when they win on validation (the caller owns them), else null; and the report. */
    record Attempt(StateDict weights, Report report) {}

    private TbarRepair() {}

    /** Tries the repair after TBAR chose {@code chosen} from {@code sweep}. */
    static Attempt attempt(DefenseContext ctx, Config config, TaskVector tau, List<AlphaPoint> sweep,
            AlphaPoint chosen, double caFloor, BatchNormRecalibration recalibration) {
        AlphaPoint aim = sweep.stream().filter(p -> p.asr() <= config.asrTarget())
                .min(Comparator.comparingDouble(AlphaPoint::alpha))
                .orElse(sweep.stream().min(Comparator.comparingDouble(AlphaPoint::asr)
                        .thenComparingDouble(AlphaPoint::alpha)).orElseThrow());
        double alpha = Math.max(aim.alpha(), chosen.alpha());
        ImageDataset data = new PartlyTriggered(ctx.cleanImages(config.images()), ctx.trigger(),
                config.triggeredFraction(), ctx.seed() + 3);
        TrainResult[] fit = new TrainResult[1];
        StateDict w = ctx.finetune(Tbar.subtract(ctx, tau, alpha, recalibration), data, config.train(),
                Objectives.crossEntropy(ctx.model()), "tbar repair", fit);
        AlphaPoint repaired = ctx.validate(alpha, w);
        boolean used = repaired.ca() >= caFloor && AlphaSelection.beats(repaired, chosen);
        LOG.info("TBAR repair: alpha {} then fine-tuning on {}: validation CA {} ASR {} ({})", alpha, data.describe(),
                repaired.ca(), repaired.asr(), used ? "kept" : "TBAR's choice is better");
        if (!used) {
            w.close();
        }
        return new Attempt(used ? w : null, new Report(alpha, repaired, used, fit[0]));
    }
}
