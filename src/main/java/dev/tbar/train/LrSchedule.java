package dev.tbar.train;

/**
 * Learning rate per step: linear warmup over the first {@code floor(warmup * total)} steps, then cosine decay
 * towards 0 (or constant). Step {@code s} is 0-based; warmup uses {@code (s + 1) / W} so no step is wasted at lr 0,
 * and the cosine reaches 0 just after the last step (as in PyTorch's CosineAnnealingLR with T_max = decay steps).
 */
public final class LrSchedule {
    private LrSchedule() {}

    public static long warmupSteps(TrainConfig cfg, long totalSteps) {
        return (long) Math.floor(cfg.warmupFraction() * totalSteps);
    }

    public static double lr(TrainConfig cfg, long step, long totalSteps) {
        long warmup = warmupSteps(cfg, totalSteps);
        if (step < warmup) {
            return cfg.lr() * (step + 1) / warmup;
        }
        if (cfg.schedule() == TrainConfig.Schedule.CONSTANT) {
            return cfg.lr();
        }
        double progress = (double) (step - warmup) / Math.max(1, totalSteps - warmup);
        return cfg.lr() * 0.5 * (1 + Math.cos(Math.PI * Math.min(1.0, progress)));
    }
}
