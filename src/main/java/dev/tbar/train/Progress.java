package dev.tbar.train;

import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shows a run's progress: a live bar (loss, images/s, ETA) on a terminal, or plain log lines every few seconds and at
 * each epoch end when output goes to a file or CI log, where a redrawn bar would only add noise.
 */
public final class Progress {
    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);

    private Progress() {}

    /** A bar when the JVM has a terminal, log lines (SLF4J, every 10 s and per epoch) otherwise. */
    public static TrainListener auto(String task) {
        return System.console() != null ? bar(task) : lines(task, Duration.ofSeconds(10), LOG::info);
    }

    /** A terminal progress bar over the run's steps. */
    public static TrainListener bar(String task) {
        return new TrainListener() {
            private ProgressBar bar;

            @Override
            public void onStart(Plan plan) {
                bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(plan.totalSteps())
                        .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).setUnit(" steps", 1)
                        .startsFrom(plan.startStep(), Duration.ZERO).build();
            }

            @Override
            public void onStep(Step s) {
                debugStep(task, s);
                bar.stepTo(s.step());
                bar.setExtraMessage(String.format(Locale.ROOT, "ep %d loss %.4f %.0f img/s", s.epoch() + 1,
                        s.loss(), s.imagesPerSecond()));
            }

            @Override
            public void onEnd(TrainResult result) {
                if (bar != null) {
                    bar.close();
                }
                if (result != null) {
                    LOG.info("{}: {}", task, summary(result));
                }
            }
        };
    }

    /**
     * Plain lines to {@code sink}: one at most every {@code every} (zero = every step), one at each epoch end, and a
     * summary at the end.
     */
    public static TrainListener lines(String task, Duration every, Consumer<String> sink) {
        return new TrainListener() {
            private long lastNanos = System.nanoTime();

            @Override
            public void onStart(Plan plan) {
                sink.accept(String.format(Locale.ROOT, "%s: %d steps (%d per epoch, batch %d, %d images)%s", task,
                        plan.totalSteps(), plan.stepsPerEpoch(), plan.batchSize(), plan.datasetSize(),
                        plan.startStep() > 0 ? ", resuming after step " + plan.startStep() : ""));
            }

            @Override
            public void onStep(Step s) {
                debugStep(task, s);
                long now = System.nanoTime();
                if (!s.epochEnd() && now - lastNanos < every.toNanos()) {
                    return;
                }
                lastNanos = now;
                String what = s.epochEnd()
                        ? String.format(Locale.ROOT, "epoch %d done, mean loss %.4f", s.epoch() + 1, s.epochMeanLoss())
                        : String.format(Locale.ROOT, "epoch %d, loss %.4f", s.epoch() + 1, s.loss());
                sink.accept(String.format(Locale.ROOT, "%s: step %d/%d (%.0f%%), %s, lr %.3g, %.0f img/s, ETA %s",
                        task, s.step(), s.totalSteps(), 100.0 * s.step() / s.totalSteps(), what, s.lr(),
                        s.imagesPerSecond(), duration(s.etaSeconds())));
            }

            @Override
            public void onEnd(TrainResult result) {
                if (result != null) {
                    sink.accept(task + ": " + summary(result));
                }
            }
        };
    }

    /** Every step's loss and gradient norm at debug level: what a divergence report needs. */
    private static void debugStep(String task, TrainListener.Step s) {
        if (LOG.isDebugEnabled()) {
            LOG.debug(String.format(Locale.ROOT, "%s: step %d loss %.6g gradient norm %.6g lr %.3g", task, s.step(),
                    s.loss(), s.gradNorm(), s.lr()));
        }
    }

    static String summary(TrainResult r) {
        return String.format(Locale.ROOT, "done, %d steps, %d images, final loss %.4f, %.0f img/s, %s", r.steps(),
                r.imagesSeen(), r.finalLoss(), r.imagesPerSecond(), duration(r.seconds()));
    }

    /** Human time such as {@code 45s}, {@code 4m05s}, {@code 1h02m}. */
    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }
}
