package dev.tbar.unlearn;

import dev.tbar.attack.Trigger;
import dev.tbar.data.Datasets;
import dev.tbar.data.ImageDataset;
import dev.tbar.data.Transform;
import dev.tbar.eval.Evaluator;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import dev.tbar.train.Objective;
import dev.tbar.train.Objectives;
import dev.tbar.train.Progress;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainResult;
import dev.tbar.train.Trainer;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Everything a defense may use. {@code cleanData} are defender-owned images with their true labels (never the test
 * split); {@code validation} is a separate defender split used only for choosing hyper-parameters such as alpha.
 *
 * @param trigger the known or reverse-engineered trigger, or null when the defense does not need one
 * @param workDir where the defense may write checkpoints, or null to keep everything in memory
 */
public record DefenseContext(
        ImageClassifier model,
        StateDict backdoored,
        ImageDataset cleanData,
        Trigger trigger,
        int targetClass,
        ValidationSets validation,
        Transform augment,
        long seed,
        Path workDir) {

    /**
     * The shape of the fine-tuning defenses: fine-tune a copy of theta_bd on {@code data} (some of the defender's
     * clean images) minimising {@code objective}, shown as {@code task}, and report it as defense {@code name} with
     * {@code details} of the run.
     */
    public DefenseOutcome fineTuned(String name, String task, ImageDataset data, TrainConfig train,
            Objective objective, Function<TrainResult, DefenseDetails> details) {
        long start = System.nanoTime();
        TrainResult[] fit = new TrainResult[1];
        StateDict w = finetuneCopy(data, train, objective, task, fit);
        return new DefenseOutcome(name, w, data.size(), fit[0].steps(), (System.nanoTime() - start) / 1e9,
                details.apply(fit[0]));
    }

    /** The same context with training images taken as they are (for defenses whose authors train without it). */
    public DefenseContext withoutAugmentation() {
        return new DefenseContext(model, backdoored, cleanData, trigger, targetClass, validation, Transform.IDENTITY,
                seed, workDir);
    }

    /** Validation CA and ASR of {@code weights}, recorded as the point of {@code alpha} (the knob that made them). */
    public AlphaPoint validate(double alpha, StateDict weights) {
        return new AlphaPoint(alpha, Evaluator.accuracy(model, weights, validation.clean()),
                Evaluator.accuracy(model, weights, validation.triggered()));
    }

    /** {@code n} of the defender's clean images, stratified and seeded (all of them for 0 or n >= size). */
    public ImageDataset cleanImages(int n) {
        return n == 0 || n >= cleanData.size() ? cleanData : Datasets.sample(cleanData, n, seed);
    }

    /**
     * Fine-tunes a copy of the backdoored weights on {@code data} with the shared training loop; the caller owns
     * (and closes) the returned weights.
     */
    public StateDict finetuneCopy(ImageDataset data, TrainConfig train, String task, TrainResult[] result) {
        return finetuneCopy(data, train, Objectives.crossEntropy(model), task, result);
    }

    /** As {@link #finetuneCopy(ImageDataset, TrainConfig, String, TrainResult[])}, minimising {@code objective}. */
    public StateDict finetuneCopy(ImageDataset data, TrainConfig train, Objective objective, String task,
            TrainResult[] result) {
        return finetune(backdoored.copy(), data, train, objective, task, result);
    }

    /**
     * Trains {@code start} in place with the shared training loop and returns it, closing it if training fails; the
     * run's own seed is an offset on the context's, so the experiment seed reaches the shuffling too.
     */
    public StateDict finetune(StateDict start, ImageDataset data, TrainConfig train, Objective objective, String task,
            TrainResult[] result) {
        try {
            TrainConfig seeded = train.with("seed", seed + train.seed());
            result[0] = Trainer.train(objective, start, data, augment, seeded, null, Progress.auto(task));
            return start;
        } catch (RuntimeException e) {
            start.close();
            throw e;
        }
    }
}
