package dev.tbar.invert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.tbar.data.ImageDataset;
import dev.tbar.eval.Evaluator;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import dev.tbar.train.TrainConfig;
import dev.tbar.unlearn.DefenseContext;
import dev.tbar.unlearn.DefenseOutcome;
import dev.tbar.unlearn.DefenseSettings;
import dev.tbar.unlearn.Defenses;
import dev.tbar.unlearn.InversionReport;
import dev.tbar.unlearn.NcUnlearn;
import dev.tbar.unlearn.TriggerInversion;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The defenses that work from an inverted trigger, end to end on the tiny backdoored MLP. */
class InvertedDefensesTest {
    static final ImageClassifier MODEL = TinyBackdoor.model();
    /** Fewer steps than NeuralCleanseTest's scan: the planted patch stands out early. */
    static final NeuralCleanse.Config INVERT = TriggerInversion.SECTION.with("steps=60", "batch_size=24", "lr=0.1",
            "initial_lambda=1e-3", "success_threshold=0.95", "patience=5");

    @Test
    void tbarInvertedAndNcUnlearnShareOneInversionAndLowerTheAsr() {
        TinyBackdoor.Defender d = TinyBackdoor.Defender.create();
        ImageDataset test = d.test();
        ImageDataset testTriggered = d.testTriggered();
        DefenseSettings cfg = d.defenses(INVERT, null);
        try (NDManager m = NDManager.newBaseManager();
                StateDict bd = TinyBackdoor.train(MODEL, m, TinyBackdoor.data(500, 1), true)) {
            DefenseContext ctx = d.context(MODEL, bd, 5);
            double asr = Evaluator.accuracy(MODEL, bd, testTriggered);
            DefenseOutcome tbar = Defenses.create("tbar-inverted", cfg).apply(ctx);
            DefenseOutcome nc = Defenses.create("nc-unlearn", cfg).apply(ctx);
            try (StateDict a = tbar.cleaned(); StateDict b = nc.cleaned()) {
                double asrTbar = Evaluator.accuracy(MODEL, a, testTriggered);
                double asrNc = Evaluator.accuracy(MODEL, b, testTriggered);
                double caTbar = Evaluator.accuracy(MODEL, a, test);
                double caNc = Evaluator.accuracy(MODEL, b, test);
                System.out.printf("ASR %.3f -> tbar-inverted %.3f (CA %.3f), nc-unlearn %.3f (CA %.3f)%n", asr,
                        asrTbar, caTbar, asrNc, caNc);
                var inv = (TriggerInversion.Report) ((InversionReport.Inverted) tbar.details()).inversion();
                var ncDetails = (InversionReport.Inverted) nc.details();
                assertEquals(TinyBackdoor.TARGET, inv.detectedTarget());
                assertTrue(inv.detectionCorrect());
                assertSame(inv.classes(), ((TriggerInversion.Report) ncDetails.inversion()).classes(),
                        "one Neural Cleanse run serves both defenses");
                assertEquals(12, ((NcUnlearn.Details) ncDetails.defense()).triggeredImages(), "20% of 60 images");
                assertTrue(asrTbar < asr - 0.3, "tbar-inverted lowers ASR: " + asr + " -> " + asrTbar);
                assertTrue(asrNc < asr - 0.3, "nc-unlearn lowers ASR: " + asr + " -> " + asrNc);
                assertTrue(caTbar > 0.8 && caNc > 0.8, "clean accuracy kept: " + caTbar + ", " + caNc);
            }
        }
    }

    @Test
    void ncUnlearnSettingsNameTheirKey() {
        TrainConfig ft = TrainConfig.defaults();
        NeuralCleanseTest.assertMessage("nc_unlearn.triggered_fraction",
                () -> NcUnlearn.SECTION.with("triggered_fraction=0"));
        NeuralCleanseTest.assertMessage("nc_unlearn.images", () -> NcUnlearn.SECTION.with("images=-2"));
        assertTrue(Defenses.names().containsAll(List.of("tbar-inverted", "nc-unlearn")), Defenses.names().toString());
    }
}
