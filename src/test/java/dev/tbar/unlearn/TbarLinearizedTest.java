package dev.tbar.unlearn;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.tbar.attack.AttackConfig;
import dev.tbar.attack.AttackRegistry;
import dev.tbar.attack.Poisoning;
import dev.tbar.attack.Trigger;
import dev.tbar.data.Datasets;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.data.Synthetic;
import dev.tbar.data.Transform;
import dev.tbar.model.Normalization;
import dev.tbar.model.ResNetCifar;
import dev.tbar.model.StateDict;
import dev.tbar.train.Objectives;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.Trainer;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** TBAR with {@code linearized: true} on a tiny backdoored ResNet-8 (8x8 synthetic images). */
class TbarLinearizedTest {
    @Test
    void linearizedTriggerFineTuningGivesAFiniteTauEndToEnd() {
        ResNetCifar model = new ResNetCifar(8, 10, Normalization.IMAGENET);
        InMemoryDataset train = Synthetic.generate(120, 8, "train", 1);
        Datasets.Split split = Datasets.split(train, 0.3, 2);
        AttackConfig attack = AttackConfig.of("badnets", 0, 0.2, 3,
                Map.of("size", 2, "position", "bottom-right", "color", "white"));
        Trigger trigger = AttackRegistry.trigger(attack, 3, 8, 8);
        TrainConfig implant = TrainConfig.defaults().with(Map.of("epochs", 2, "batch_size", 30, "lr", 0.05));
        try (NDManager m = NDManager.newBaseManager(); StateDict bd = model.initialize(m, 4)) {
            Trainer.train(Objectives.crossEntropy(model), bd, Poisoning.poisonTrainingSet(split.first(), trigger,
                    attack), Transform.IDENTITY, implant, null, null);
            Datasets.Split defender = Datasets.split(split.second(), 0.5, 5);
            ValidationSets val = new ValidationSets(defender.second(),
                    Poisoning.triggeredTestSet(defender.second(), trigger, 0));
            DefenseContext ctx = new DefenseContext(model, bd, defender.first(), trigger, 0, val, Transform.IDENTITY,
                    6, null);
            Tbar.Config plain = Tbar.SECTION.with("alphas.max=1", "alphas.steps=3", "ca_threshold=0.5",
                    "bn_recalibration=0", "per_layer_alpha=false", "finetune.epochs=2", "finetune.batch_size=15",
                    "finetune.lr=0.01");
            Tbar.Config cfg = Tbar.SECTION.with(plain, "linearized=true");
            DefenseOutcome out = new Tbar(cfg).apply(ctx);
            try (StateDict cleaned = out.cleaned()) {
                double norm = ((Tbar.Details) out.details()).triggerVectorNorm();
                assertTrue(Double.isFinite(norm) && norm > 0, "tau norm " + norm);
                assertTrue(((Tbar.Details) out.details()).linearized());
                for (String name : cleaned.names()) {
                    assertTrue(cleaned.get(name).isNaN().logicalOr(cleaned.get(name).isInfinite()).none()
                            .getBoolean(), name);
                }
            }
            DefenseOutcome ref = new Tbar(plain).apply(ctx);
            ref.cleaned().close();
            assertNotEquals(((Tbar.Details) ref.details()).triggerVectorNorm(),
                    ((Tbar.Details) out.details()).triggerVectorNorm(),
                    "the option changes the fine-tuning");
        }
    }
}
