package dev.tbar.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.tbar.Shared;
import dev.tbar.TbarException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BackdoorBench's PreActResNet-18, read from its own attack_result.pt, gives the reference logits. */
class PreActResNet18Test {
    @Test
    void backdoorBenchAttackResultGivesTheReferenceLogits() {
        Path file = Shared.require("fixtures/torchscript/preact-resnet18.attack_result.pt");
        ImageClassifier model = ModelRegistry.create("preact-resnet18", 10);
        try (NDManager m = NDManager.newBaseManager(); StateDict w = Checkpoints.load(model, file, m)) {
            Map<String, NDArray> io = Safetensors.read(Shared.require("fixtures/torchscript/io.safetensors"), m)
                    .tensors();
            NDArray out = model.forward(w, io.get("pixels"), false);
            assertEquals(0, out.sub(io.get("preact_resnet18_logits")).abs().max().getFloat(), 1e-4);
        }
    }

    @Test
    void weightsOfAnotherShapeNameTheKeysAndShapes(@TempDir Path dir) {
        Path file = Shared.require("fixtures/torchscript/preact-resnet18.attack_result.pt");
        ImageClassifier model = ModelRegistry.create("preact-resnet18", 43);
        try (NDManager m = NDManager.newBaseManager()) {
            TbarException e = assertThrows(TbarException.class, () -> Checkpoints.load(model, file, m));
            assertTrue(e.getMessage().contains("'linear.weight' has shape (10, 512), expected (43, 512)"),
                    e.getMessage());
        }
    }
}
