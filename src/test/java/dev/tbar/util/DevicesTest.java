package dev.tbar.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.tbar.TbarException;
import dev.tbar.config.Configs;
import dev.tbar.experiment.Experiment;
import dev.tbar.experiment.ExperimentConfig;
import dev.tbar.model.StateDict;
import dev.tbar.report.Manifest;
import dev.tbar.train.TrainResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * --device: what each spelling means, the errors for a GPU that is not there, that tbar makes its root managers in
 * one place only, and that a short run leaves every live array on the chosen device.
 */
class DevicesTest {
    @AfterEach
    void reset() {
        Devices.use(null);
    }

    @Test
    void spellings() {
        assertEquals(Device.cpu(), Devices.resolve("auto", "--device", 0));
        assertEquals(Device.gpu(0), Devices.resolve("auto", "--device", 2));
        assertEquals(Device.cpu(), Devices.resolve("cpu", "--device", 2));
        assertEquals(Device.gpu(0), Devices.resolve("cuda", "--device", 1));
        assertEquals(Device.gpu(1), Devices.resolve("cuda:1", "--device", 2));
    }

    @Test
    void aMissingGpuOrAnUnknownDeviceIsAnError() {
        TbarException e = assertThrows(TbarException.class, () -> Devices.resolve("cuda:2", "TBAR_DEVICE", 2));
        assertEquals("TBAR_DEVICE cuda:2: PyTorch sees 2 GPUs here (cuda:0 to cuda:1); use cpu or auto",
                e.getMessage());
        e = assertThrows(TbarException.class, () -> Devices.resolve("gpu", "--device", 1));
        assertEquals("--device gpu: expected auto, cpu, cuda or cuda:N", e.getMessage());
        e = assertThrows(TbarException.class, () -> Devices.use("tpu"));
        assertEquals("--device tpu: expected auto, cpu, cuda or cuda:N", e.getMessage());
        Devices.use("cuda:7"); // checked when the first tensor is made, not before
        e = assertThrows(TbarException.class, Devices::current);
        assertTrue(e.getMessage().startsWith("--device cuda:7: PyTorch sees no GPU here"), e.getMessage());
        assertTrue(e.getMessage().contains("-Pcuda"), e.getMessage());
    }

    /** Only Devices makes root managers or names a device: everything else inherits the chosen one. */
    @Test
    void rootManagersAreMadeInOnePlace() throws IOException {
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                if (f.endsWith("Devices.java")) {
                    continue;
                }
                String src = Files.readString(f);
                for (String bad : List.of("newBaseManager(", "Device.cpu(", "Device.gpu(", "Device.of(",
                        "Device.fromName(")) {
                    if (src.contains(bad)) {
                        offenders.add(f + ": " + bad);
                    }
                }
            }
        }
        assertEquals(List.of(), offenders);
    }

    @Test
    void aShortRunKeepsEveryArrayOnTheChosenDevice() {
        Devices.use("cpu");
        ExperimentConfig cfg = Configs.load(ExperimentConfig.class, ExperimentConfig.defaults(), null, List.of(
                "data.image_size=12", "data.train_size=300", "data.test_size=60", "model.name=resnet8",
                "split.defender_fraction=0.3", "implant.epochs=1", "finetune.train.epochs=1"));
        try (Experiment ex = new Experiment(cfg, Manifest.start("test", List.of()));
                StateDict w = ex.baseWeights()) {
            StateDict bd = ex.implant(w, null, new TrainResult[1]);
            ex.defend("finetune", bd, ex.evaluate(bd), null);
            Devices.Audit audit = Devices.audit();
            assertTrue(audit.arrays() > 20, "weights, data and results alive: " + audit.arrays());
            assertEquals(List.of(), audit.stray());
        }
    }
}
