package dev.tbar.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.tbar.TbarException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Weights that no trained model has, or of the wrong kind, are refused by name instead of producing a silently wrong
 * measurement.
 */
class CheckpointsPlausibilityTest {
    @Test
    void nonFiniteIntegerOrNegativeVarianceWeightsAreRefusedByName(@TempDir Path dir) {
        ImageClassifier model = ModelRegistry.create("resnet8", 10);
        try (NDManager m = NDManager.newBaseManager(); StateDict w = model.initialize(m, 0)) {
            Path nan = dir.resolve("nan.safetensors");
            Map<String, ai.djl.ndarray.NDArray> t = new java.util.LinkedHashMap<>(w.asMap());
            t.put("layer2.0.conv1.weight", w.get("layer2.0.conv1.weight").mul(Float.NaN));
            Safetensors.write(nan, t, Map.of());
            TbarException e = assertThrows(TbarException.class, () -> Checkpoints.load(model, nan, m));
            assertTrue(e.getMessage().contains("'layer2.0.conv1.weight' holds NaN"), e.getMessage());

            Path neg = dir.resolve("neg.safetensors");
            t = new java.util.LinkedHashMap<>(w.asMap());
            t.put("bn1.running_var", w.get("bn1.running_var").neg());
            Safetensors.write(neg, t, Map.of());
            e = assertThrows(TbarException.class, () -> Checkpoints.load(model, neg, m));
            assertTrue(e.getMessage().contains("'bn1.running_var' is a BatchNorm variance with negative"),
                    e.getMessage());

            Path ints = dir.resolve("int.safetensors");
            t = new java.util.LinkedHashMap<>(w.asMap());
            t.put("linear.bias", w.get("linear.bias").toType(ai.djl.ndarray.types.DataType.INT32, false));
            Safetensors.write(ints, t, Map.of());
            e = assertThrows(TbarException.class, () -> Checkpoints.load(model, ints, m));
            assertTrue(e.getMessage().contains("'linear.bias' holds int32 values, expected floating point"),
                    e.getMessage());
        }
    }
}
