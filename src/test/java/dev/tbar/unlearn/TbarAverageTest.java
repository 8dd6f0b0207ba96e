package dev.tbar.unlearn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.tbar.attack.Poisoning;
import dev.tbar.data.ImageDataset;
import dev.tbar.eval.Evaluator;
import dev.tbar.invert.TinyBackdoor;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import dev.tbar.taskvector.TaskVector;
import dev.tbar.train.Objectives;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * tbar-average on the planted backdoor: one run is plain TBAR's tau, several runs differ only by shuffling and
 * average to a vector close to each of them, and the averaged tau removes the backdoor within the CA floor.
 */
class TbarAverageTest {
    static final ImageClassifier MODEL = TinyBackdoor.model();

    @Test
    void averagedTauRemovesThePlantedBackdoor() {
        TinyBackdoor.Defender d = TinyBackdoor.Defender.create();
        DefenseSettings settings = d.defenses(TriggerInversion.SECTION.defaults(), null)
                .with(TbarAverage.SECTION, TbarAverage.SECTION.with("runs=3"));
        try (NDManager m = NDManager.newBaseManager();
                StateDict bd = TinyBackdoor.train(MODEL, m, TinyBackdoor.data(500, 1), true)) {
            DefenseContext ctx = d.knownTrigger(MODEL, bd, 5);
            ImageDataset triggerSet = Poisoning.triggerSet(d.clean(), TinyBackdoor.patch(), TinyBackdoor.TARGET);
            TrainConfig train = settings.get(Tbar.SECTION).finetune();
            TrainResult[] fit = new TrainResult[1];
            long[] one = {0};
            long[] three = {0};
            try (StateDict thetaT = ctx.finetuneCopy(triggerSet, train, "plain", fit);
                    TaskVector plain = TaskVector.between(bd, thetaT);
                    TaskVector single = TbarAverage.triggerVector(ctx, triggerSet, train,
                            Objectives.crossEntropy(MODEL), 1, fit, one, "trigger");
                    TaskVector mean = TbarAverage.triggerVector(ctx, triggerSet, train,
                            Objectives.crossEntropy(MODEL), 3, fit, three, "trigger")) {
                try (TaskVector diff = single.subtract(plain)) {
                    assertEquals(0.0, diff.norm(), 0.0, "one run is plain TBAR's tau");
                }
                assertEquals(3 * one[0], three[0], "steps of all runs are counted");
                double cos = mean.cosine(plain);
                assertTrue(cos > 0.5 && cos < 1, "the runs differ but share their direction: cosine " + cos);
            }
            double ca = Evaluator.accuracy(MODEL, bd, d.test());
            DefenseOutcome plainTbar = Defenses.create("tbar", settings).apply(ctx);
            plainTbar.cleaned().close();
            DefenseOutcome out = Defenses.create("tbar-average", settings).apply(ctx);
            try (StateDict w = out.cleaned()) {
                assertEquals(3 * plainTbar.steps(), out.steps(), "each fine-tuning (trigger, unlearning) runs 3 times");
                assertTrue(Evaluator.accuracy(MODEL, w, d.testTriggered()) < 0.2, "backdoor removed");
                assertTrue(Evaluator.accuracy(MODEL, w, d.test()) >= 0.85 * ca, "clean task kept");
            }
        }
        assertEquals(List.of("tbar", "tbar_average"), Defenses.sectionsOf("tbar-average"));
    }
}
