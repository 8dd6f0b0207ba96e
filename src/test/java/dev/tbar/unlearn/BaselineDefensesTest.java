package dev.tbar.unlearn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.tbar.eval.Evaluator;
import dev.tbar.invert.TinyBackdoor;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The fine-tuning family of baselines on a planted backdoor (tiny MLP, 60 defender images): each must lower the ASR
 * that plain fine-tuning with the same images leaves, and keep clean accuracy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BaselineDefensesTest {
    static final ImageClassifier MODEL = TinyBackdoor.model();
    final TinyBackdoor.Defender defender = TinyBackdoor.Defender.create();
    NDManager manager;
    StateDict backdoored;
    double asrBefore;

    @BeforeAll
    void plant() {
        manager = NDManager.newBaseManager();
        backdoored = TinyBackdoor.train(MODEL, manager, TinyBackdoor.data(500, 1), true);
        asrBefore = Evaluator.accuracy(MODEL, backdoored, defender.testTriggered());
    }

    @AfterAll
    void close() {
        backdoored.close();
        manager.close();
    }

    /** Test CA and ASR of defense {@code name} with {@code overrides} of the tiny settings. */
    double[] run(String name, String... overrides) {
        List<String> o = new ArrayList<>();
        for (String section : List.of("finetune", "ft_sam", "fst")) {
            o.addAll(List.of(section + ".train.epochs=10", section + ".train.batch_size=16",
                    section + ".train.lr=0.05"));
        }
        o.addAll(List.of(overrides));
        DefenseSettings s = DefenseSettings.defaults().with(o.toArray(String[]::new));
        DefenseOutcome out = Defenses.create(name, s).apply(defender.context(MODEL, backdoored, 3));
        try (StateDict w = out.cleaned()) {
            assertEquals(defender.clean().size(), out.imagesUsed());
            double[] r = {Evaluator.accuracy(MODEL, w, defender.test()),
                    Evaluator.accuracy(MODEL, w, defender.testTriggered())};
            System.out.printf("%s: CA %.3f ASR %.3f -> %.3f (%.1f s)%n", name, r[0], asrBefore, r[1], out.seconds());
            return r;
        }
    }

    @Test
    void ftSamAndFstRemoveWhatFineTuningLeaves() {
        double[] ft = run("finetune");
        double[] sam = run("ft-sam");
        double[] fst = run("fst");
        assertTrue(asrBefore > 0.9, "planted: " + asrBefore);
        assertTrue(ft[1] > 0.5, "plain fine-tuning leaves the backdoor on this task: " + ft[1]);
        assertTrue(sam[1] < ft[1] - 0.3, "ft-sam lowers ASR below fine-tuning's: " + sam[1] + " vs " + ft[1]);
        assertTrue(fst[1] < ft[1] - 0.3, "fst lowers ASR below fine-tuning's: " + fst[1] + " vs " + ft[1]);
        assertTrue(sam[0] > 0.8 && fst[0] > 0.8, "clean accuracy kept: " + sam[0] + ", " + fst[0]);
    }
}
