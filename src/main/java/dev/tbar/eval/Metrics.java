package dev.tbar.eval;

import dev.tbar.data.ImageDataset;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;

/**
 * Clean accuracy (CA) on clean test images and attack success rate (ASR) on triggered test images whose true class
 * is not the target. ASR is NaN when no trigger is given (e.g. evaluating a clean model alone).
 */
public record Metrics(double ca, double asr) {
    public static Metrics of(ImageClassifier model, StateDict weights, ImageDataset clean, ImageDataset triggered) {
        double ca = Evaluator.accuracy(model, weights, clean);
        double asr = triggered == null ? Double.NaN : Evaluator.accuracy(model, weights, triggered);
        return new Metrics(ca, asr);
    }

    /** CA after a defense as a percentage of the backdoored model's CA. */
    public double caRetention(Metrics backdoored) {
        return 100 * ca / backdoored.ca;
    }

    /** How much of the backdoored model's ASR the defense removed, in percent. */
    public double asrReduction(Metrics backdoored) {
        return backdoored.asr == 0 ? 0 : 100 * (backdoored.asr - asr) / backdoored.asr;
    }
}
