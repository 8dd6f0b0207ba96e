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
 * The strongest baselines on a planted backdoor (tiny MLP, 60 defender images, 10 epochs of 16): each must lower the
 * ASR that plain fine-tuning with the same images and steps leaves, and keep clean accuracy. ANP needs BatchNorm
 * ({@code AnpTest}).
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
        for (String section : List.of("finetune", "ft_sam", "fst", "sau", "i_bau", "nc_unlearn")) {
            o.addAll(List.of(section + ".train.epochs=10", section + ".train.batch_size=16",
                    section + ".train.lr=0.05"));
        }
        o.addAll(List.of(overrides));
        DefenseSettings s = DefenseSettings.defaults().with(o.toArray(String[]::new));
        DefenseOutcome out = Defenses.create(name, s).apply(defender.knownTrigger(MODEL, backdoored, 3));
        try (StateDict w = out.cleaned()) {
            assertEquals(defender.clean().size(), out.imagesUsed());
            double[] r = {Evaluator.accuracy(MODEL, w, defender.test()),
                    Evaluator.accuracy(MODEL, w, defender.testTriggered())};
            System.out.printf("%s: CA %.3f ASR %.3f -> %.3f (%.1f s)%n", name, r[0], asrBefore, r[1], out.seconds());
            return r;
        }
    }

    @Test
    void eachRemovesWhatFineTuningLeaves() {
        double[] ft = run("finetune");
        assertTrue(asrBefore > 0.9, "planted: " + asrBefore);
        assertTrue(ft[1] > 0.5, "plain fine-tuning leaves the backdoor on this task: " + ft[1]);
        // i-BAU's Adam at the shared lr 0.05 overshoots on this MLP (CA depends on the thread count), so it keeps a
        // smaller one; SAU with the paper's search finds few shared examples per batch here: it needs more epochs
        for (String[] d : new String[][] {{"ft-sam"}, {"fst"}, {"i-bau", "i_bau.train.lr=0.01"},
                {"sau", "sau.train.epochs=30"}, {"trigger-unlearn"}}) {
            double[] r = run(d[0], java.util.Arrays.copyOfRange(d, 1, d.length));
            assertTrue(r[1] < ft[1] - 0.3, d[0] + " lowers ASR below fine-tuning's: " + r[1] + " vs " + ft[1]);
            assertTrue(r[0] > 0.8, d[0] + " keeps clean accuracy: " + r[0]);
        }
    }

    @Test
    void fstKeepsTheHeadAtTheBackdooredNorm() {
        DefenseOutcome out = Defenses.create("fst", DefenseSettings.defaults().with("fst.train.epochs=2"))
                .apply(defender.context(MODEL, backdoored, 3));
        try (StateDict w = out.cleaned()) {
            double before = norm(backdoored.get(MODEL.headName() + ".weight"));
            assertEquals(before, norm(w.get(MODEL.headName() + ".weight")), 1e-4 * before);
            assertEquals(before, ((Fst.Details) out.details()).headNorm(), 1e-6 * before);
        }
    }

    static double norm(ai.djl.ndarray.NDArray a) {
        double s = 0;
        for (float v : a.toFloatArray()) {
            s += v * (double) v;
        }
        return Math.sqrt(s);
    }
}
