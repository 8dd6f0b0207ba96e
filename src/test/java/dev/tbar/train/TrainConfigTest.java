package dev.tbar.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.TbarException;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrainConfigTest {
    @Test
    void defaultsAndParsedOverrides() {
        TrainConfig d = TrainConfig.defaults();
        assertEquals(TrainConfig.Optim.SGD, d.optimizer());
        assertFalse(d.decayOneDim());
        TrainConfig c = d.with(Map.of("train.optimizer", "AdamW", "lr", "0.001", "epochs", 3, "train_mode", false,
                "schedule", "constant"));
        assertEquals(TrainConfig.Optim.ADAMW, c.optimizer());
        assertEquals(0.001, c.lr());
        assertEquals(3, c.epochs());
        assertFalse(c.trainMode());
        assertEquals(TrainConfig.Schedule.CONSTANT, c.schedule());
        assertEquals(c, c.with(c.describe()), "describe() round-trips exactly");
    }

    @Test
    void badValuesNameTheKey() {
        TrainConfig d = TrainConfig.defaults();
        assertMessage("train.lr must be > 0", () -> d.with("lr", 0));
        assertMessage("train.momentum must be in [0, 1)", () -> d.with("momentum", 1.0));
        assertMessage("train.batch_size must be >= 1", () -> d.with("batch_size", 0));
        assertMessage("train.batch_size must be an integer", () -> d.with("batch_size", "12.5"));
        assertMessage("train.epochs must be >= 1 when train.max_steps is 0", () -> d.with("epochs", 0));
        assertMessage("train.optimizer must be one of sgd, adamw, got 'adam'", () -> d.with("optimizer", "adam"));
        assertMessage("train.warmup must be in [0, 1)", () -> d.with("warmup", 1));
        assertMessage("train.nesterov needs train.momentum > 0", () -> d.with(Map.of("momentum", 0,
                "nesterov", true)));
        assertMessage("train.train_mode must be true or false", () -> d.with("train_mode", "yes"));
        assertMessage("unknown setting 'train.lr_max'", () -> d.with("lr_max", 1));
        // max_steps replaces epochs
        assertEquals(5, d.with(Map.of("epochs", 0, "max_steps", 5)).totalSteps(1000));
    }

    @Test
    void stepCounts() {
        TrainConfig c = TrainConfig.defaults().with(Map.of("batch_size", 16, "epochs", 3));
        assertEquals(3, c.stepsPerEpoch(40)); // 16 + 16 + 8
        assertEquals(9, c.totalSteps(40));
        assertEquals(1, c.stepsPerEpoch(5));
    }

    @Test
    void cosineWithWarmup() {
        TrainConfig c = TrainConfig.defaults().with(Map.of("lr", 0.2, "warmup", 0.1));
        long total = 100;
        assertEquals(10, LrSchedule.warmupSteps(c, total));
        assertEquals(0.02, LrSchedule.lr(c, 0, total), 1e-12);
        assertEquals(0.1, LrSchedule.lr(c, 4, total), 1e-12);
        assertEquals(0.2, LrSchedule.lr(c, 9, total), 1e-12);
        assertEquals(0.2, LrSchedule.lr(c, 10, total), 1e-12);
        assertEquals(0.1, LrSchedule.lr(c, 55, total), 1e-12); // halfway through the 90 decay steps
        assertEquals(0.2 * 0.5 * (1 + Math.cos(Math.PI * 89 / 90)), LrSchedule.lr(c, 99, total), 1e-12);
        TrainConfig flat = c.with("schedule", "constant");
        assertEquals(0.02, LrSchedule.lr(flat, 0, total), 1e-12);
        assertEquals(0.2, LrSchedule.lr(flat, 99, total), 1e-12);
        TrainConfig noWarmup = c.with("warmup", 0);
        assertEquals(0.2, LrSchedule.lr(noWarmup, 0, total), 1e-12);
        assertEquals(0.2 * 0.5 * (1 + Math.cos(Math.PI * 0.5)), LrSchedule.lr(noWarmup, 50, total), 1e-12);
    }

    @Test
    void seededShuffleIsReproduciblePermutation() {
        int[] a = Shuffle.epochOrder(7, 0, 1000);
        assertTrue(Arrays.equals(a, Shuffle.epochOrder(7, 0, 1000)));
        int[] sorted = a.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);
        }
        assertFalse(Arrays.equals(a, Shuffle.epochOrder(7, 1, 1000)), "each epoch reshuffles");
        assertFalse(Arrays.equals(a, Shuffle.epochOrder(8, 0, 1000)), "the seed matters");
        assertEquals(Shuffle.stepRandom(7, 3).nextLong(), Shuffle.stepRandom(7, 3).nextLong());
        assertNotEquals(Shuffle.stepRandom(7, 3).nextLong(), Shuffle.stepRandom(7, 4).nextLong());
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        TbarException e = assertThrows(TbarException.class, call);
        assertTrue(e.getMessage().contains(expected), () -> "message '" + e.getMessage() + "' lacks '" + expected
                + "'");
    }
}
