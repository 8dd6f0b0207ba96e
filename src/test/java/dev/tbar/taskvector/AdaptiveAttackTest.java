package dev.tbar.taskvector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.tbar.TbarException;
import dev.tbar.attack.AttackConfig;
import dev.tbar.attack.AttackRegistry;
import dev.tbar.attack.Poisoning;
import dev.tbar.attack.Trigger;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.data.Synthetic;
import dev.tbar.data.Transform;
import dev.tbar.model.Normalization;
import dev.tbar.model.ResNetCifar;
import dev.tbar.model.StateDict;
import dev.tbar.train.Objectives;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.Trainer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AdaptiveAttackTest {
    @Test
    void directionIsTheUnitPartOfTheTriggerMoveOrthogonalToTheCleanOne() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = new LinkedHashMap<>();
            t.put("a", m.create(new float[] {3, 4}));
            t.put("b", m.create(new float[] {2}));
            Map<String, NDArray> c = new LinkedHashMap<>();
            c.put("a", m.create(new float[] {1, 0}));
            c.put("b", m.create(new float[] {0}));
            // t - (t.c / c.c) c = (0, 4, 2), norm sqrt(20)
            try (TaskVector tv = TaskVector.of(t, m); TaskVector cv = TaskVector.of(c, m);
                    TaskVector d = AdaptiveAttack.orthogonalUnit(tv, cv)) {
                float s = (float) Math.sqrt(20);
                assertArrayEquals(new float[] {0, 4 / s}, d.get("a").toFloatArray(), 1e-6f);
                assertArrayEquals(new float[] {2 / s}, d.get("b").toFloatArray(), 1e-6f);
                assertEquals(1, d.norm(), 1e-6);
                assertEquals(0, d.dot(cv), 1e-6);
                assertThrows(TbarException.class, () -> AdaptiveAttack.orthogonalUnit(cv, cv));
            }
        }
    }

    @Test
    void invalidSettingsNameTheirKey() {
        assertTrue(assertThrows(TbarException.class, () -> new AdaptiveAttack.Config(-1, 5)).getMessage()
                .contains("adaptive.lambda"));
        assertTrue(assertThrows(TbarException.class, () -> new AdaptiveAttack.Config(1, 0)).getMessage()
                .contains("adaptive.probe_steps"));
    }

    @Test
    void thePenalisedImplantMovesLessAlongTheTriggerDirection() {
        ResNetCifar model = new ResNetCifar(8, 10, Normalization.IMAGENET);
        InMemoryDataset clean = Synthetic.generate(120, 8, "train", 1);
        AttackConfig attack = AttackConfig.of("badnets", 0, 0.2, 3,
                Map.of("size", 2, "position", "bottom-right", "color", "white"));
        Trigger trigger = AttackRegistry.trigger(attack, 3, 8, 8);
        TrainConfig implant = TrainConfig.defaults().with(Map.of("epochs", 2, "batch_size", 30, "lr", 0.05));
        try (NDManager m = NDManager.newBaseManager(); StateDict theta0 = model.initialize(m, 4);
                TaskVector d = AdaptiveAttack.triggerDirection(model, theta0, clean,
                        Poisoning.triggerSet(clean, trigger, 0), Transform.IDENTITY,
                        implant.with("max_steps", 3));
                StateDict plain = theta0.copy(); StateDict adaptive = theta0.copy()) {
            assertEquals(1, d.norm(), 1e-5);
            var poisoned = Poisoning.poisonTrainingSet(clean, trigger, attack);
            Trainer.train(Objectives.crossEntropy(model), plain, poisoned, null, implant, null, null);
            Trainer.train(AdaptiveAttack.objective(Objectives.crossEntropy(model), theta0, d, 100), adaptive,
                    poisoned, null, implant, null, null);
            try (TaskVector p = TaskVector.between(theta0, plain);
                    TaskVector a = TaskVector.between(theta0, adaptive)) {
                double alongPlain = Math.abs(p.dot(d));
                double alongAdaptive = Math.abs(a.dot(d));
                System.out.printf("|delta . d|: plain %.4g (|delta| %.4g), adaptive %.4g (|delta| %.4g)%n", alongPlain,
                        p.norm(), alongAdaptive, a.norm());
                assertTrue(alongAdaptive < 0.5 * alongPlain, "|delta . d|: plain " + alongPlain + ", adaptive "
                        + alongAdaptive);
            }
        }
    }
}
