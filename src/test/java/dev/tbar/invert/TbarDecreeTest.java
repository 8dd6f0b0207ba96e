package dev.tbar.invert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.tbar.config.Configs;
import dev.tbar.data.ImageDataset;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.eval.Evaluator;
import dev.tbar.experiment.ExperimentConfig;
import dev.tbar.model.StateDict;
import dev.tbar.train.TestModels;
import dev.tbar.unlearn.DecreeDetection;
import dev.tbar.unlearn.DefenseContext;
import dev.tbar.unlearn.DefenseOutcome;
import dev.tbar.unlearn.DefenseSettings;
import dev.tbar.unlearn.Defenses;
import dev.tbar.unlearn.InversionReport;
import dev.tbar.unlearn.Tbar;
import dev.tbar.unlearn.TbarDecree;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** {@code tbar-decree} end to end on the tiny backdoored MLP, DECREE running on its 32 hidden ReLU units. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TbarDecreeTest {
    static final TestModels.Mlp MODEL = TinyBackdoor.model();
    private NDManager manager;
    private StateDict bd;
    private StateDict clean;
    /**
     * A lower similarity target than the default 0.9: 32 hidden units of a 5-class MLP never fully collapse. With
     * these settings DECREE seeds 0-4 put 97-99% of the mask on the planted patch; seed 5 ended in another local
     * optimum (a mask off the patch that moves no prediction), so the tests use seeds 0 and 1.
     */
    static final Decree.Config DECREE = TbarDecree.SECTION.with("steps=120", "batch_size=24", "lr=0.1",
            "initial_lambda=1e-3", "similarity_threshold=0.6", "patience=5", "seed=0");

    @BeforeAll
    void train() {
        manager = NDManager.newBaseManager();
        bd = TinyBackdoor.train(MODEL, manager, TinyBackdoor.data(500, 1), true);
        clean = TinyBackdoor.train(MODEL, manager, TinyBackdoor.data(500, 1), false);
    }

    @AfterAll
    void close() {
        manager.close();
    }

    @Test
    void findsTheTargetAndLowersTheTrueTriggersAsr() {
        TinyBackdoor.Defender d = TinyBackdoor.Defender.create();
        ImageDataset test = d.test();
        ImageDataset testTriggered = d.testTriggered();
        DefenseSettings cfg = d.defenses(InvertedDefensesTest.INVERT, DECREE);
        // The validation's triggered half uses the real trigger: tbar-decree must replace it with its own.
        DefenseContext ctx = d.context(MODEL, bd, 1);
        double asr = Evaluator.accuracy(MODEL, bd, testTriggered);
        double ca = Evaluator.accuracy(MODEL, bd, test);
        DefenseOutcome out = Defenses.create("tbar-decree", cfg).apply(ctx);
        try (StateDict w = out.cleaned()) {
            double asrAfter = Evaluator.accuracy(MODEL, w, testTriggered);
            double caAfter = Evaluator.accuracy(MODEL, w, test);
            var details = (InversionReport.Inverted) out.details();
            var inv = (DecreeDetection.Report) details.inversion();
            System.out.printf("tbar-decree: PL1 %.4f, target %s (%.0f%%), ASR %.3f -> %.3f, CA %.3f -> %.3f,"
                    + " %.1f s%n", inv.pl1(), inv.detectedTarget(), 100 * inv.majorityShare(), asr, asrAfter, ca,
                    caAfter, out.seconds());
            assertEquals("tbar-decree", out.defense());
            assertEquals(TinyBackdoor.TARGET, inv.detectedTarget());
            assertTrue(inv.detectionCorrect());
            assertTrue(inv.flagged(), "PL1 " + inv.pl1() + " < " + Decree.FLAG_PL1);
            assertEquals(60, inv.imagesUsed());
            assertTrue(details.defense() instanceof Tbar.Details, "TBAR ran with the inverted trigger");
            assertTrue(asr > 0.9, "the planted backdoor works: ASR " + asr);
            assertTrue(asrAfter < asr - 0.3, "tbar-decree lowers the true trigger's ASR: " + asr + " -> "
                    + asrAfter);
            assertTrue(caAfter > 0.8, "clean accuracy kept above 0.8: " + caAfter);
        }
    }

    @Test
    void aCleanModelNeedsALargerMaskThanTheBackdooredOne() {
        InMemoryDataset defender = TinyBackdoor.data(60, 2);
        DecreeDetection a = DecreeDetection.run(MODEL, bd, defender, DECREE);
        DecreeDetection b = DecreeDetection.run(MODEL, clean, defender, DECREE);
        boolean[] patch = TinyBackdoor.patchRegion();
        double on = 0;
        for (int i = 0; i < patch.length; i++) {
            on += patch[i] ? a.scan().mask()[i] : 0;
        }
        double onPatch = on / a.scan().maskL1();
        System.out.printf("DECREE PL1: backdoored %.4f (%.0f%% on the patch, target %d), clean %.4f (target %d)%n",
                a.scan().pl1(), 100 * onPatch, a.target(), b.scan().pl1(), b.target());
        assertTrue(b.scan().pl1() > 1.2 * a.scan().pl1(), "clean " + b.scan().pl1() + " vs backdoored "
                + a.scan().pl1());
        assertTrue(onPatch > 0.8, "the backdoored model's mask lies on the planted patch: " + onPatch);
        assertEquals(TinyBackdoor.TARGET, a.target());
        DecreeDetection again = DecreeDetection.run(MODEL, bd, defender, DECREE);
        assertEquals(a.scan().pl1(), again.scan().pl1(), 0.0, "seeded: the same run gives the same mask");
    }

    @Test
    void registeredWithItsOwnConfigSectionAndImageBudget() {
        assertTrue(Defenses.names().containsAll(List.of("tbar-decree", "tbar-inverted")), Defenses.names().toString());
        assertEquals(Decree.Config.defaults(), DefenseSettings.defaults().get(TbarDecree.SECTION),
                "an absent decree section takes the defaults");
        assertEquals(List.of("decree", "tbar"), Defenses.sectionsOf(TbarDecree.NAME));
        ExperimentConfig base = ExperimentConfig.defaults();
        assertEquals(40, base.defenseSettings().withImageBudget(40).get(TbarDecree.SECTION).images(),
                "same budget as the others");
        ExperimentConfig set = Configs.load(ExperimentConfig.class, base, null,
                List.of("decree.similarity_threshold=0.7", "decree.batch_size=8"));
        assertEquals(0.7, set.section(TbarDecree.SECTION).similarityThreshold());
        assertEquals(8, set.section(TbarDecree.SECTION).batchSize());
        NeuralCleanseTest.assertMessage("decree.similarity_threshold", () -> Configs.load(ExperimentConfig.class,
                base, null, List.of("decree.similarity_threshold=2")));
    }
}
