package dev.tbar.eval;

import dev.tbar.attack.TriggeredDataset;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;

/**
 * Clean accuracy (CA) on clean test images; attack success rate (ASR) on triggered test images whose true class is
 * not the target; robust accuracy (RA) on the same triggered images, counted against their true class. ASR and RA are
 * NaN when no trigger is given (e.g. evaluating a clean model alone).
 */
public record Metrics(double ca, double asr, double ra) {
    public Metrics(double ca, double asr) {
        this(ca, asr, Double.NaN);
    }

    public static Metrics of(ImageClassifier model, StateDict weights, ImageDataset clean, ImageDataset triggered) {
        double ca = Evaluator.accuracy(model, weights, clean);
        if (triggered == null) {
            return new Metrics(ca, Double.NaN);
        }
        int[] predicted = Evaluator.predict(model, weights, triggered, Evaluator.DEFAULT_BATCH);
        double asr = Evaluator.accuracy(predicted, triggered);
        if (!(triggered instanceof TriggeredDataset t) || predicted.length == 0) {
            return new Metrics(ca, asr);
        }
        int right = 0;
        for (int i = 0; i < predicted.length; i++) {
            right += predicted[i] == t.trueLabel(i) ? 1 : 0;
        }
        return new Metrics(ca, asr, right / (double) predicted.length);
    }

    /** CA after a defense as a percentage of the backdoored model's CA. */
    public double caRetention(Metrics backdoored) {
        return 100 * ca / backdoored.ca;
    }

    /** How much of the backdoored model's ASR the defense removed, in percent. */
    public double asrReduction(Metrics backdoored) {
        return backdoored.asr == 0 ? 0 : 100 * (backdoored.asr - asr) / backdoored.asr;
    }

    /**
     * BackdoorBench's defense effectiveness rating, in [0, 1]: (max(0, ASR drop) - max(0, CA drop) + 1) / 2 against
     * the backdoored model; 0.5 for doing nothing, 1 for removing a 100% ASR at no CA cost.
     */
    public double der(Metrics backdoored) {
        return (Math.max(0, backdoored.asr - asr) - Math.max(0, backdoored.ca - ca) + 1) / 2;
    }
}
