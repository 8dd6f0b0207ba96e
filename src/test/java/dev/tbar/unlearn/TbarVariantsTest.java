package dev.tbar.unlearn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.data.Synthetic;
import dev.tbar.data.Transform;
import dev.tbar.model.Normalization;
import dev.tbar.model.ResNetCifar;
import dev.tbar.model.StateDict;
import dev.tbar.taskvector.TaskVector;
import dev.tbar.train.Objectives;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainResult;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TbarVariantsTest {
    final ResNetCifar model = new ResNetCifar(8, 10, Normalization.IMAGENET);
    final InMemoryDataset data = Synthetic.generate(48, 16, "train", 3);
    final TrainConfig ft = TrainConfig.defaults().with("epochs", 1).with("batch_size", 16).with("lr", 0.05);

    @Test
    void layerGroupsAreFirstNameComponents() {
        assertEquals("layer2", TbarVariants.group("layer2.0.conv1.weight"));
        assertEquals("linear", TbarVariants.group("linear.bias"));
        assertEquals("scale", TbarVariants.group("scale"));
    }

    @Test
    void scaledAppliesOneFactorPerGroup() {
        try (NDManager m = NDManager.newBaseManager(); StateDict a = model.initialize(m, 1);
                StateDict b = model.initialize(m, 2); TaskVector tau = TaskVector.between(a, b);
                TaskVector s = TbarVariants.scaled(tau, Map.of("layer1", 0.0, "linear", 2.0))) {
            for (String n : tau.names()) {
                float[] t = tau.get(n).toFloatArray();
                float[] v = s.get(n).toFloatArray();
                float f = n.startsWith("layer1.") ? 0 : n.startsWith("linear.") ? 2 : 1;
                for (int i = 0; i < t.length; i++) {
                    assertEquals(f * t[i], v[i], 1e-6f, n);
                }
            }
        }
    }

    @Test
    void projectionLeavesNoCleanComponent() {
        try (NDManager m = NDManager.newBaseManager(); StateDict bd = model.initialize(m, 1);
                StateDict other = model.initialize(m, 2); TaskVector tau = TaskVector.between(bd, other)) {
            DefenseContext ctx = new DefenseContext(model, bd, data, null, 0, null, Transform.IDENTITY, 7, null);
            try (TbarVariants.Projected projected = TbarVariants.projectOutClean(ctx, tau, data, ft,
                    Objectives.crossEntropy(model));
                    StateDict thetaC = ctx.finetuneCopy(data, ft, "again", new TrainResult[1]);
                    TaskVector tauC = TaskVector.between(bd, thetaC)) {
                // fine-tuning is seeded, so running it again gives the same clean direction
                double residual = projected.tau().dot(tauC) / (projected.tau().norm() * tauC.norm());
                assertTrue(Math.abs(residual) < 1e-4, "cosine with the clean direction " + residual);
                assertTrue(Double.isFinite(projected.projection().cleanDirectionCosine()));
                try (TaskVector diff = tau.subtract(projected.tau())) {
                    assertEquals(Math.abs(projected.projection().cleanDirectionCoefficient()) * tauC.norm(),
                            diff.norm(), 1e-3 * diff.norm() + 1e-9);
                }
            }
        }
    }

    @Test
    void perLayerAlphaKeepsTheGlobalAlphaWhenNoTrialKeepsTheFloor() {
        try (NDManager m = NDManager.newBaseManager(); StateDict bd = model.initialize(m, 1);
                StateDict other = model.initialize(m, 2); TaskVector tau = TaskVector.between(bd, other)) {
            ValidationSets val = new ValidationSets(data, data);
            DefenseContext ctx = new DefenseContext(model, bd, data, null, 0, val, Transform.IDENTITY, 7, null);
            try (TbarVariants.Layered out = TbarVariants.perLayerAlpha(ctx, tau, 0.1, new AlphaPoint(0.1, 0.5, 0.5),
                    2.0, null)) {
                assertEquals(Map.of(), out.layers().layerFactors());
                for (String n : tau.names()) {
                    assertArrayEquals(tau.get(n).toFloatArray(), out.tau().get(n).toFloatArray(), 0f, n);
                }
            }
        }
    }
}
