package dev.tbar.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import dev.tbar.Shared;
import dev.tbar.data.ImageFolder;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.eval.Evaluator;
import org.junit.jupiter.api.Test;

/**
 * The shared ResNet-20 must reproduce the reference 81.03% on the JPEG CIFAR-10 test split, and the same network
 * brought as a user's TorchScript file must predict exactly as tbar's native one.
 */
class ResNetAccuracyTest {
    @Test
    void resnet20MatchesReferenceAccuracy() {
        var weights = Shared.require("models/resnet20-12fca82f.safetensors");
        var data = Shared.require("data/cifar10-jpg.tar.gz");
        InMemoryDataset test = ImageFolder.read(data, "test", 32);
        assertEquals(10_000, test.size());
        ImageClassifier model = ModelRegistry.create("resnet20", 10);
        try (NDManager m = NDManager.newBaseManager(); StateDict w = Checkpoints.load(model, weights, m)) {
            double acc = Evaluator.accuracy(model, w, test);
            System.out.printf("resnet20 CA on cifar10-jpg test: %.2f%%%n", 100 * acc);
            assertEquals(0.8103, acc, 0.003);
            var ts = TorchScriptClassifier.load(Shared.require("fixtures/torchscript/resnet20-akamaster.ts.pt"),
                    new int[] {3, 32, 32}, null, m);
            try (StateDict tw = ts.initialize(m, 0)) {
                assertEquals(acc, Evaluator.accuracy(ts, tw, test), 1e-4);
            }
        }
    }
}
