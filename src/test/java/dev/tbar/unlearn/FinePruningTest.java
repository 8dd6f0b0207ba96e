package dev.tbar.unlearn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.tbar.TbarException;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.data.Transform;
import dev.tbar.eval.Evaluator;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.Layers;
import dev.tbar.model.StateDict;
import dev.tbar.train.TestModels;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A hand-built one-hidden-layer model on 1x8x8 images: features 0 and 1 detect "left half brighter" and "right half
 * brighter" (feature 1 at twice the scale) and carry the whole decision; features 2..5 fire weakly (increasingly so)
 * and the head ignores them. So the least active channels are exactly 2, 3, 4, 5 in that order, pruning them keeps
 * CA at 100%, and pruning one more (feature 0) halves it.
 */
class FinePruningTest {
    private static final int S = 8;
    private static final int F = 6;
    /** 64 -> F -> 2, ReLU; its weights are built by hand below. */
    private static final ImageClassifier MODEL = TestModels.mlp(1, S, F, 2);

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private StateDict handBuilt() {
        float[] hidden = new float[F * S * S];
        for (int y = 0; y < S; y++) {
            for (int x = 0; x < S; x++) {
                int p = y * S + x;
                float side = x < S / 2 ? 1f / 32 : -1f / 32;
                hidden[p] = side;
                hidden[S * S + p] = -2 * side; // twice as active as feature 0: feature 0 goes first
                for (int f = 2; f < F; f++) {
                    hidden[f * S * S + p] = 0.01f * (f - 1) / (S * S);
                }
            }
        }
        StateDict w = new StateDict(manager);
        w.putParameter("fc1.weight", w.manager().create(hidden, new Shape(F, S * S)));
        w.putParameter("fc1.bias", w.manager().zeros(new Shape(F)));
        w.putParameter("fc2.weight", w.manager().create(new float[] {2, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0},
                new Shape(2, F)));
        // a small bias toward class 1 breaks the tie once the class-0 detector is gone
        w.putParameter("fc2.bias", w.manager().create(new float[] {0, 0.01f}));
        return w;
    }

    /** Class 0: left half bright (0.6..1), right dark (0..0.4); class 1 mirrored. */
    private static InMemoryDataset halves(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[][] im = new byte[n][S * S];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            for (int y = 0; y < S; y++) {
                for (int x = 0; x < S; x++) {
                    boolean bright = (x < S / 2) == (labels[i] == 0);
                    im[i][y * S + x] = (byte) ((bright ? 153 : 0) + rnd.nextInt(102));
                }
            }
        }
        return new InMemoryDataset(1, S, S, im, labels, List.of("left", "right"), "halves " + n);
    }

    private DefenseContext context(StateDict bd) {
        InMemoryDataset val = halves(40, 2);
        return new DefenseContext(MODEL, bd, halves(32, 1), null, 0, new ValidationSets(val, val),
                Transform.IDENTITY, 7, null);
    }

    private static FinePruning.Config config(double maxFraction) {
        return FinePruning.SECTION.with("max_prune_fraction=" + maxFraction, "ca_threshold=0.9", "train.epochs=1",
                "train.batch_size=8", "train.lr=0.05");
    }

    @Test
    void prunesTheDormantChannelsUpToTheValidationFloorAndKeepsThemDead() {
        try (StateDict bd = handBuilt()) {
            DefenseContext ctx = context(bd);
            assertEquals(1.0, Evaluator.accuracy(ctx.model(), bd, ctx.validation().clean()));
            DefenseOutcome out = new FinePruning(config(1.0)).apply(ctx);
            try (StateDict w = out.cleaned()) {
                FinePruning.Details details = (FinePruning.Details) out.details();
                assertEquals(4, details.prunedChannels());
                assertArrayEquals(new int[] {2, 3, 4, 5}, details.pruned());
                List<FinePruning.PrunePoint> sweep = details.sweep();
                // 1..4 keep CA at 100%; the fifth removes a class detector and fails the 90% floor, so it is not kept
                assertEquals(5, sweep.size());
                for (int k = 0; k < 4; k++) {
                    assertEquals(1.0, sweep.get(k).ca());
                }
                assertTrue(sweep.get(4).ca() < 0.9, "pruning a detector should break the floor: " + sweep.get(4));
                assertTrue(out.steps() > 0, "fine-tuning ran");

                float[] head = w.get("fc2.weight").toFloatArray();
                for (int row = 0; row < 2; row++) {
                    for (int col = 2; col < F; col++) {
                        assertTrue(head[row * F + col] == 0f, "pruned column " + col + " stays zero");
                    }
                }
                assertTrue(head[0] != 0 && head[F + 1] != 0, "kept columns survive");
                // fine-tuning moved the hidden layer, so the re-applied mask is what keeps the columns zero
                assertTrue(!java.util.Arrays.equals(bd.get("fc1.weight").toFloatArray(),
                        w.get("fc1.weight").toFloatArray()));
                assertTrue(Evaluator.accuracy(ctx.model(), w, ctx.validation().clean()) >= 0.9);
            }
        }
    }

    @Test
    void maxPruneFractionCapsThePruning() {
        try (StateDict bd = handBuilt()) {
            DefenseOutcome out = new FinePruning(config(0.5)).apply(context(bd));
            out.cleaned().close();
            assertEquals(3, ((FinePruning.Details) out.details()).prunedChannels()); // floor(0.5 * 6)
            assertArrayEquals(new int[] {2, 3, 4}, ((FinePruning.Details) out.details()).pruned());
        }
    }

    @Test
    void registryModelsExposeFeaturesThatTheirHeadTurnsIntoTheLogits() {
        for (String name : List.of("resnet8", "vit-micro")) {
            ImageClassifier m = dev.tbar.model.ModelRegistry.create(name, 3);
            try (StateDict w = m.initialize(manager, 1); NDManager step = manager.newSubManager()) {
                int[] shape = m.inputShape();
                NDArray x = step.randomUniform(0, 1, new Shape(2, shape[0], shape[1], shape[2]));
                NDArray f = m.features(w, x, false);
                long width = w.get(m.headName() + ".weight").getShape().get(1);
                assertEquals(new Shape(2, width), f.getShape(), name);
                assertArrayEquals(m.forward(w, x, false).toFloatArray(),
                        Layers.linear(w, m.headName(), f).toFloatArray(), 1e-5f, name);
            }
        }
    }

    @Test
    void badSettingsAreRefusedAndTheRegistryKnowsTheDefense() {
        assertThrows(TbarException.class, () -> FinePruning.SECTION.with("max_prune_fraction=1.5"));
        assertThrows(TbarException.class, () -> FinePruning.SECTION.with("ca_threshold=0"));
        assertThrows(TbarException.class, () -> FinePruning.SECTION.with("step=0"));
        assertEquals(5, FinePruning.SECTION.defaults().withImages(5).images());
        assertEquals("fine-pruning", Defenses.create("fine-pruning",
                DefenseSettings.defaults().with("fine_pruning.max_prune_fraction=0.5")).name());
    }
}
