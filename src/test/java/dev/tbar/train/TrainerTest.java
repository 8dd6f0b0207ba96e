package dev.tbar.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.tbar.TbarException;
import dev.tbar.data.ImageDataset;
import dev.tbar.eval.Evaluator;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.Normalization;
import dev.tbar.model.ResNetCifar;
import dev.tbar.model.Safetensors;
import dev.tbar.model.StateDict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    private static final ImageClassifier RESNET8 = new ResNetCifar(8, 2, Normalization.IMAGENET);
    private static final ImageClassifier LINEAR = TestModels.linear(3, 8, 2);

    /** Thrown by a listener to simulate a crash in the middle of a run. */
    private static final class Crash extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    @Test
    void resnetLearnsTheSyntheticTaskWithoutLeaking() {
        ImageDataset data = TestModels.halves(64, 8, 1);
        TrainConfig cfg = TrainConfig.defaults().with(Map.of("lr", 0.05, "epochs", 8, "batch_size", 16,
                "warmup", 0.1));
        try (NDManager m = NDManager.newBaseManager(); StateDict w = RESNET8.initialize(m, 3)) {
            double before = Evaluator.accuracy(RESNET8, w, data);
            int arrays = m.getManagedArrays().size();
            List<String> lines = new ArrayList<>();
            TrainResult r = Trainer.train(Objectives.crossEntropy(RESNET8), w, data, TestModels.FLIP, cfg, null,
                    Progress.lines("implant", Duration.ZERO, lines::add));
            assertEquals(32, r.steps());
            assertEquals(64 * 8, r.imagesSeen());
            assertEquals(8, r.epochLosses().length);
            assertTrue(r.finalLoss() < 0.5 * r.epochLosses()[0], "loss falls: " + Arrays.toString(
                    r.epochLosses()));
            assertTrue(r.imagesPerSecond() > 0);
            double after = Evaluator.accuracy(RESNET8, w, data);
            assertTrue(after >= 0.95, "accuracy " + before + " -> " + after);
            assertEquals(arrays, m.getManagedArrays().size(), "no tensor left behind by the loop");
            for (String name : w.parameterNames()) {
                assertFalse(w.get(name).hasGradient(), name + " is detached after training");
            }
            assertEquals(1 + 32 + 1, lines.size(), "start, one line per step (interval 0), summary");
            assertTrue(lines.get(32).contains("step 32/32 (100%), epoch 8 done, mean loss"), lines.get(32));
            assertTrue(lines.get(1).contains("img/s, ETA"), lines.get(1));
        }
    }

    @Test
    void resumedSgdRunEndsWithTheSameWeights(@TempDir Path dir) {
        // ResNet-8 with BatchNorm buffers, momentum, warmup + cosine, a ragged last batch and random flips
        TrainConfig cfg = TrainConfig.defaults().with(Map.of("lr", 0.05, "epochs", 3, "batch_size", 16,
                "warmup", 0.2, "weight_decay", 1e-3, "seed", 11));
        assertResumeMatches(RESNET8, cfg, TestModels.halves(40, 8, 2), 5, dir);
    }

    @Test
    void resumedAdamwRunWithMaxStepsEndsWithTheSameWeights(@TempDir Path dir) {
        // 7 steps cycle over 3-step epochs: the final checkpoint falls mid-epoch
        TrainConfig cfg = TrainConfig.adamw(0.01).with(Map.of("max_steps", 7, "batch_size", 16, "clip_norm", 0.5,
                "seed", 5));
        assertResumeMatches(LINEAR, cfg, TestModels.halves(40, 8, 3), 4, dir);
    }

    private static void assertResumeMatches(ImageClassifier model, TrainConfig cfg, ImageDataset data, int crashAt,
            Path dir) {
        Objective ce = Objectives.crossEntropy(model);
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, float[]> expected;
            TrainResult full;
            try (StateDict w = model.initialize(m, 9)) {
                full = Trainer.train(ce, w, data, TestModels.FLIP, cfg, null, null);
                expected = TestModels.values(w);
            }
            Path ckptDir = dir.resolve("run");
            try (StateDict w = model.initialize(m, 9)) {
                TrainListener crash = new TrainListener() {
                    @Override
                    public void onStep(Step s) {
                        if (s.step() == crashAt) {
                            throw new Crash();
                        }
                    }
                };
                assertThrows(Crash.class, () -> Trainer.train(ce, w, data, TestModels.FLIP, cfg, ckptDir, crash));
            }
            Path file = TrainCheckpoint.file(ckptDir);
            assertEquals("3", metadata(file, m).get("step"), "the epoch-1 checkpoint survives the crash");
            try (StateDict w = model.initialize(m, 1234)) { // different start: resume must overwrite it
                TrainResult r = Trainer.resume(ce, w, data, TestModels.FLIP, cfg, ckptDir, null);
                assertEquals(3, r.resumedFromStep());
                assertEquals(full.steps(), r.steps());
                assertEquals(full.imagesSeen(), r.imagesSeen());
                assertArrayEquals(full.stepLosses(), r.stepLosses());
                Map<String, float[]> got = TestModels.values(w);
                assertEquals(expected.keySet(), got.keySet());
                expected.forEach((k, v) -> assertArrayEquals(v, got.get(k), k + " is bitwise equal"));
            }
            assertEquals("true", metadata(file, m).get("complete"));
            try (StateDict w = model.initialize(m, 9)) {
                TbarException e = assertThrows(TbarException.class, () -> Trainer.resume(ce, w, data,
                        TestModels.FLIP, cfg.with("seed", 6), ckptDir, null));
                assertTrue(e.getMessage().contains("train.seed=" + cfg.seed() + " (now 6)"), e.getMessage());
            }
        }
    }

    @Test
    void sameResultOnAnotherThread() throws Exception {
        // autograd's on/off switch is per thread and is on in threads the engine did not start in
        ImageDataset data = TestModels.halves(24, 8, 6);
        TrainConfig cfg = TrainConfig.defaults().with(Map.of("epochs", 2, "batch_size", 8, "momentum", 0.5));
        Objective ce = Objectives.crossEntropy(LINEAR);
        try (NDManager m = NDManager.newBaseManager(); StateDict a = LINEAR.initialize(m, 2);
                StateDict b = LINEAR.initialize(m, 2)) {
            Trainer.train(ce, a, data, TestModels.FLIP, cfg, null, null);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
            try {
                pool.submit(() -> Trainer.train(ce, b, data, TestModels.FLIP, cfg, null, null)).get();
            } finally {
                pool.shutdown();
            }
            Map<String, float[]> va = TestModels.values(a);
            Map<String, float[]> vb = TestModels.values(b);
            va.forEach((k, v) -> assertArrayEquals(v, vb.get(k), k));
        }
    }

    @Test
    void trainModeOffKeepsBatchNormStatisticsFrozen() {
        ImageDataset data = TestModels.halves(16, 8, 7);
        TrainConfig cfg = TrainConfig.defaults().with(Map.of("epochs", 1, "batch_size", 8, "train_mode", false));
        try (NDManager m = NDManager.newBaseManager(); StateDict w = RESNET8.initialize(m, 2)) {
            Map<String, float[]> before = TestModels.values(w);
            Trainer.train(Objectives.crossEntropy(RESNET8), w, data, null, cfg, null, null);
            Map<String, float[]> after = TestModels.values(w);
            assertArrayEquals(before.get("bn1.running_mean"), after.get("bn1.running_mean"));
            assertFalse(Arrays.equals(before.get("bn1.weight"), after.get("bn1.weight")), "parameters still train");
            Trainer.train(Objectives.crossEntropy(RESNET8), w, data, null, cfg.with("train_mode", true), null, null);
            assertFalse(Arrays.equals(before.get("bn1.running_mean"), TestModels.values(w).get("bn1.running_mean")));
        }
    }

    @Test
    void resumeNeedsACheckpoint(@TempDir Path dir) {
        try (NDManager m = NDManager.newBaseManager(); StateDict w = LINEAR.initialize(m, 1)) {
            TbarException e = assertThrows(TbarException.class, () -> Trainer.resume(Objectives.crossEntropy(LINEAR),
                    w, TestModels.halves(8, 8, 1), null, TrainConfig.defaults(), dir, null));
            assertTrue(e.getMessage().endsWith("train-state.safetensors: no training checkpoint to resume from"),
                    e.getMessage());
        }
    }

    @Test
    void nonFiniteLossStopsWithoutCheckpointingIt(@TempDir Path dir) {
        ImageDataset data = TestModels.halves(32, 8, 4);
        TrainConfig cfg = TrainConfig.defaults().with(Map.of("epochs", 3, "batch_size", 16));
        try (NDManager m = NDManager.newBaseManager(); StateDict w = LINEAR.initialize(m, 1)) {
            TbarException e = assertThrows(TbarException.class, () -> Trainer.train(nanLossAt(3), w, data, null,
                    cfg, dir, null));
            assertTrue(e.getMessage().startsWith("training diverged at step 3 (loss=NaN); lower train.lr"),
                    e.getMessage());
            assertEquals("2", metadata(TrainCheckpoint.file(dir), m).get("step"), "only the epoch-1 state is saved");
            assertFalse(w.get("fc.weight").hasGradient());
        }
    }

    @Test
    void aStepThatDivergesAtAnEpochEndIsNotCheckpointed(@TempDir Path dir) throws Exception {
        ImageDataset data = TestModels.halves(32, 8, 4);
        TrainConfig cfg = TrainConfig.defaults().with(Map.of("epochs", 3, "batch_size", 16));
        try (NDManager m = NDManager.newBaseManager(); StateDict w = LINEAR.initialize(m, 1)) {
            // step 4 is the last of epoch 2
            TbarException e = assertThrows(TbarException.class, () -> Trainer.train(nanLossAt(4), w, data, null,
                    cfg, dir, null));
            assertTrue(e.getMessage().startsWith("training diverged at step 4 (loss=NaN)"), e.getMessage());
            assertEquals("2", metadata(TrainCheckpoint.file(dir), m).get("step"), "the epoch-1 state is kept");
        }
    }

    /** Cross-entropy of LINEAR, NaN at the {@code step}-th call. */
    private static Objective nanLossAt(int step) {
        Objective ce = Objectives.crossEntropy(LINEAR);
        int[] calls = {0};
        return (w, x, y, training) -> {
            NDArray l = ce.loss(w, x, y, training);
            return ++calls[0] == step ? l.mul(Float.NaN) : l;
        };
    }

    @Test
    void nonFiniteGradientIsDetected() {
        ImageDataset data = TestModels.halves(16, 8, 5);
        Objective ce = Objectives.crossEntropy(LINEAR);
        // sqrt(0 * b) is 0 but its gradient is 0 * inf = NaN
        Objective badGrad = (w, x, y, training) -> ce.loss(w, x, y, training).add(w.get("fc.bias").mul(0).sqrt()
                .sum());
        try (NDManager m = NDManager.newBaseManager(); StateDict w = LINEAR.initialize(m, 1)) {
            float[] before = w.get("fc.bias").toFloatArray();
            TbarException e = assertThrows(TbarException.class, () -> Trainer.train(badGrad, w, data, null,
                    TrainConfig.defaults(), null, null));
            assertTrue(e.getMessage().startsWith("training diverged at step 1 (gradient norm=NaN)"), e.getMessage());
            assertArrayEquals(before, w.get("fc.bias").toFloatArray(), "no update from a bad gradient");
        }
    }

    @Test
    void clippingScalesToTheMaximumNorm() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> g = Map.of("a", m.create(new float[] {3, 0}), "b", m.create(new float[] {4}));
            assertEquals(5.0, Trainer.clipGradients(g, 0), 1e-6);
            assertEquals(5.0, Trainer.clipGradients(g, 10), 1e-6);
            assertArrayEquals(new float[] {3, 0}, g.get("a").toFloatArray());
            assertEquals(5.0, Trainer.clipGradients(g, 1), 1e-6);
            assertArrayEquals(new float[] {0.6f, 0}, g.get("a").toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {0.8f}, g.get("b").toFloatArray(), 1e-6f);
            assertEquals(1.0, Trainer.clipGradients(g, 0), 1e-6);
        }
    }

    private static Map<String, String> metadata(Path file, NDManager m) {
        assertTrue(Files.isRegularFile(file), file + " exists");
        try (NDManager tmp = m.newSubManager()) {
            return Safetensors.read(file, tmp).metadata();
        }
    }
}
