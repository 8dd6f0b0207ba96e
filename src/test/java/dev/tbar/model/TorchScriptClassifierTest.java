package dev.tbar.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.tbar.Shared;
import dev.tbar.TbarException;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.train.Gradients;
import dev.tbar.train.Objectives;
import dev.tbar.train.SharpnessAware;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's TorchScript ResNet-20 (the shared fixture, which normalises inside) behaves as tbar's native ResNet-20
 * with the same weights: same logits, same training steps, same gradients in the passes defenses make, and a cleaned
 * copy written back as TorchScript.
 */
class TorchScriptClassifierTest {
    private static final int[] CIFAR = {3, 32, 32};

    @TempDir
    Path tmp;

    private static Path fixture(String name) {
        return Shared.require("fixtures/torchscript/" + name);
    }

    @Test
    void logitsMatchTheReference() {
        try (NDManager m = NDManager.newBaseManager()) {
            TorchScriptClassifier ts = TorchScriptClassifier.load(fixture("resnet20-akamaster.ts.pt"), CIFAR, null, m);
            Map<String, NDArray> io = Safetensors.read(fixture("io.safetensors"), m).tensors();
            StateDict w = ts.initialize(m, 0);
            assertEquals(10, ts.numClasses());
            assertEquals(59, ts.parameterShapes().size());
            assertTrue(ts.bufferShapes().containsKey("net.bn1.running_mean") && ts.bufferShapes().containsKey("mean"));
            assertTrue(ts.bufferShapes().keySet().stream().noneMatch(k -> k.endsWith("num_batches_tracked")));
            NDArray out = ts.forward(w, io.get("pixels"), false);
            assertEquals(0, out.sub(io.get("resnet20_logits")).abs().max().getFloat(), 1e-4);
        }
    }

    @Test
    void trainsStepForStepLikeTheNativeModel() {
        try (NDManager m = NDManager.newBaseManager()) {
            TorchScriptClassifier ts = TorchScriptClassifier.load(fixture("resnet20-akamaster.ts.pt"), CIFAR, null, m);
            ImageClassifier nat = ModelRegistry.create("resnet20", 10);
            StateDict tw = ts.initialize(m, 0);
            StateDict nw = Checkpoints.load(nat, Shared.require("models/resnet20-12fca82f.safetensors"), m);
            TrainConfig cfg = TrainConfig.defaults().with("epochs", 1).with("batch_size", 8).with("lr", 0.05)
                    .with("seed", 3);
            InMemoryDataset data = randomImages(24, 7);
            Trainer.train(Objectives.crossEntropy(ts), tw, data, null, cfg, null, null);
            Trainer.train(Objectives.crossEntropy(nat), nw, data, null, cfg, null, null);
            for (String k : nw.names()) {
                assertEquals(0, tw.get("net." + k).sub(nw.get(k)).abs().max().getFloat(), 2e-4, k);
            }
        }
    }

    @Test
    void batchNormMomentumOverridesActAsOnTheNativeModel() {
        try (NDManager m = NDManager.newBaseManager()) {
            TorchScriptClassifier ts = TorchScriptClassifier.load(fixture("resnet20-akamaster.ts.pt"), CIFAR, null, m);
            ImageClassifier nat = ModelRegistry.create("resnet20", 10);
            NDArray x = Safetensors.read(fixture("io.safetensors"), m).tensors().get("pixels");
            for (float momentum : new float[] {1f, 0f, 0.5f}) {
                StateDict tw = ts.initialize(m, 0);
                StateDict nw = Checkpoints.load(nat, Shared.require("models/resnet20-12fca82f.safetensors"), m);
                Layers.withBatchNormMomentum(momentum, () -> ts.forward(tw, x, true));
                Layers.withBatchNormMomentum(momentum, () -> nat.forward(nw, x, true));
                for (String k : nat.bufferShapes().keySet()) {
                    assertEquals(0, tw.get("net." + k).sub(nw.get(k)).abs().max().getFloat(), 1e-4, momentum + " " + k);
                }
            }
        }
    }

    @Test
    void sharpnessAwareStepsMatchTheNativeModel() {
        try (NDManager m = NDManager.newBaseManager()) {
            TorchScriptClassifier ts = TorchScriptClassifier.load(fixture("resnet20-akamaster.ts.pt"), CIFAR, null, m);
            ImageClassifier nat = ModelRegistry.create("resnet20", 10);
            StateDict tw = ts.initialize(m, 0);
            StateDict nw = Checkpoints.load(nat, Shared.require("models/resnet20-12fca82f.safetensors"), m);
            TrainConfig cfg = TrainConfig.defaults().with("epochs", 1).with("batch_size", 8).with("lr", 0.01)
                    .with("seed", 3);
            InMemoryDataset data = randomImages(16, 9);
            Trainer.train(new SharpnessAware(Objectives.crossEntropy(ts), 0.05), tw, data, null, cfg, null, null);
            Trainer.train(new SharpnessAware(Objectives.crossEntropy(nat), 0.05), nw, data, null, cfg, null, null);
            for (String k : nw.names()) {
                assertEquals(0, tw.get("net." + k).sub(nw.get(k)).abs().max().getFloat(), 2e-4, k);
            }
        }
    }

    @Test
    void gradientsReachTheWeightsOfEveryPass() {
        try (NDManager m = NDManager.newBaseManager()) {
            TorchScriptClassifier ts = TorchScriptClassifier.load(fixture("resnet20-akamaster.ts.pt"), CIFAR, null, m);
            ImageClassifier nat = ModelRegistry.create("resnet20", 10);
            StateDict tw = ts.initialize(m, 0);
            StateDict nw = Checkpoints.load(nat, Shared.require("models/resnet20-12fca82f.safetensors"), m);
            NDArray x = Safetensors.read(fixture("io.safetensors"), m).tensors().get("pixels");

            // an input gradient in eval mode, as trigger inversion and i-BAU take it
            NDArray tx = Gradients.leaf(x);
            NDArray gt = Gradients.of(() -> ts.forward(tw, tx, false).get(":, 0").sum(), tx)[0];
            NDArray nx = Gradients.leaf(x);
            NDArray gn = Gradients.of(() -> nat.forward(nw, nx, false).get(":, 0").sum(), nx)[0];
            assertEquals(0, gt.sub(gn).abs().max().getFloat(), 1e-4);

            // two weight sets in one backward pass (a perturbed copy and the original), as ANP and SAM make
            StateDict tp = perturbed(tw, "net.", m);
            StateDict np = perturbed(nw, "", m);
            List<NDArray> tLeaves = leaves(tw, m);
            List<NDArray> nLeaves = leaves(nw, m);
            StateDict tView = tw.overlay(m, named(tw, tLeaves));
            StateDict nView = nw.overlay(m, named(nw, nLeaves));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                ModuleGradients.backward(gc, ts.forward(tView, x, true).get(":, 1").sum()
                        .add(ts.forward(tp, x, false).get(":, 2").sum()));
            }
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                ModuleGradients.backward(gc, nat.forward(nView, x, true).get(":, 1").sum()
                        .add(nat.forward(np, x, false).get(":, 2").sum()));
            }
            List<String> names = new ArrayList<>(nw.parameterNames());
            for (int i = 0; i < names.size(); i++) {
                assertEquals(0, tLeaves.get(i).getGradient().sub(nLeaves.get(i).getGradient()).abs().max()
                        .getFloat(), 1e-4, names.get(i));
            }
        }
    }

    @Test
    void writesTheCleanedWeightsBackIntoTheUsersProgram() throws Exception {
        Path src = fixture("resnet20-akamaster.ts.pt");
        Path out = tmp.resolve("cleaned.pt");
        try (NDManager m = NDManager.newBaseManager()) {
            TorchScriptClassifier ts = TorchScriptClassifier.load(src, CIFAR, null, m);
            StateDict w = ts.initialize(m, 0);
            w.putParameter("net.linear.weight", w.get("net.linear.weight").mul(0.5));
            w.putBuffer("net.layer3.2.bn2.running_var", w.get("net.layer3.2.bn2.running_var").add(1));
            ts.save(w, out);
            TorchScriptClassifier back = TorchScriptClassifier.load(out, CIFAR, null, m);
            StateDict r = back.initialize(m, 0);
            for (String k : w.names()) {
                assertEquals(0, r.get(k).sub(w.get(k)).abs().max().getFloat(), 0, k);
            }
            NDArray x = Safetensors.read(fixture("io.safetensors"), m).tensors().get("pixels");
            assertEquals(0, back.forward(r, x, false).sub(ts.forward(w, x, false)).abs().max().getFloat(), 1e-5);
        }
        try (ZipFile a = new ZipFile(src.toFile()); ZipFile b = new ZipFile(out.toFile())) {
            List<String> names = new ArrayList<>();
            Collections.list(a.entries()).forEach(e -> names.add(e.getName()));
            List<String> written = new ArrayList<>();
            Collections.list(b.entries()).forEach(e -> written.add(e.getName()));
            assertEquals(names, written);
            for (String n : names) {
                if (!n.contains("/data/")) {
                    assertArrayEquals(a.getInputStream(a.getEntry(n)).readAllBytes(),
                            b.getInputStream(b.getEntry(n)).readAllBytes(), n);
                }
            }
        }
    }

    @Test
    void refusesFilesThatAreNotTorchScript() throws Exception {
        Path junk = tmp.resolve("junk.pt");
        Files.write(junk, new byte[] {1, 2, 3, 4, 5});
        Path stateDict = fixture("preact-resnet18.attack_result.pt");
        try (NDManager m = NDManager.newBaseManager()) {
            TbarException a = assertThrows(TbarException.class, () -> TorchScriptClassifier.load(junk, CIFAR, null, m));
            assertTrue(a.getMessage().contains("junk.pt"), a.getMessage());
            TbarException b = assertThrows(TbarException.class,
                    () -> TorchScriptClassifier.load(stateDict, CIFAR, null, m));
            assertTrue(b.getMessage().contains("not a TorchScript file") || b.getMessage().contains("refusing"),
                    b.getMessage());
        }
    }

    @Test
    void aModuleThatContainsItselfIsACleanError() throws Exception {
        // data.pkl: m = __torch__.M(); m.__setstate__({'child': m})
        byte[] pkl = new PickleBytes().proto(2).global("__torch__", "M").op(')', 0x81).op('q', 0).op('}')
                .str("child").op('h', 0).op('s', 'b').stop().bytes();
        Path f = tmp.resolve("cyclic.pt");
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(Files.newOutputStream(f))) {
            for (var e : Map.of("m/data.pkl", pkl, "m/constants.pkl", new PickleBytes().proto(2).op(')').stop()
                    .bytes(), "m/code/__torch__.py", "class M(Module):\n  pass\n".getBytes()).entrySet()) {
                z.putNextEntry(new java.util.zip.ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        TbarException e = assertThrows(TbarException.class, () -> TorchScriptArchive.open(f));
        assertTrue(e.getMessage().contains("contains itself"), e.getMessage());
    }

    private static StateDict perturbed(StateDict w, String prefix, NDManager m) {
        StateDict p = w.copy(m);
        String k = prefix + "layer2.0.conv1.weight";
        p.putParameter(k, p.get(k).mul(1.1));
        return p;
    }

    private static List<NDArray> leaves(StateDict w, NDManager m) {
        List<NDArray> out = new ArrayList<>();
        for (String k : w.parameterNames()) {
            NDArray l = w.get(k).duplicate();
            l.attach(m);
            l.setRequiresGradient(true);
            out.add(l);
        }
        return out;
    }

    private static Map<String, NDArray> named(StateDict w, List<NDArray> leaves) {
        Map<String, NDArray> out = new java.util.LinkedHashMap<>();
        List<String> names = new ArrayList<>(w.parameterNames());
        for (int i = 0; i < names.size(); i++) {
            out.put(names.get(i), leaves.get(i));
        }
        return out;
    }

    private static InMemoryDataset randomImages(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[][] images = new byte[n][3 * 32 * 32];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < images[i].length; j++) {
                images[i][j] = (byte) r.nextInt(256);
            }
            labels[i] = r.nextInt(10);
        }
        List<String> classes = new ArrayList<>();
        for (int c = 0; c < 10; c++) {
            classes.add("c" + c);
        }
        return new InMemoryDataset(3, 32, 32, images, labels, classes, "random");
    }
}
