package dev.tbar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tbar.report.Json;
import dev.tbar.util.FileLocks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark as numbered cells: the plan, and the mistakes that would make two tasks disagree on cell K. */
class BenchPlanTest {
    private static String[] bench(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of(BenchResumeTest.args(out, "[finetune]")));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void thePlanNumbersTheCellsAndACellNeedsIt(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("bench");
        assertEquals(2, Main.run(bench(out, "--cell", "0")), "no plan yet");
        assertFalse(Files.exists(out.resolve("cells")), "nothing written");

        assertEquals(0, Main.run(bench(out, "--plan")));
        JsonNode plan = Json.read(out.resolve("plan.json")).at("/cells");
        assertEquals(2, plan.size());
        assertEquals("badnets-cifar", plan.at("/1/attack").asText());
        assertEquals(1, plan.at("/1/seed").asInt());
        assertEquals("[\"finetune\"]", plan.at("/1/pending").toString());

        assertEquals(2, Main.run(bench(out, "--cell", "2")), "out of range");
        assertEquals(2, Main.run(bench(out, "--cell", "0", "--seeds", "0,1,2")), "another plan");
        assertEquals(2, Main.run(bench(out, "--plan", "--cell", "0")));
        assertEquals(2, Main.run(bench(out, "--submit")));
        assertFalse(Files.exists(out.resolve("cells")), "nothing written by the refused runs");
        assertTrue(Files.isRegularFile(out.resolve("manifest.json")), "the plan marks the folder a tbar run");

        // a cell another process is running is refused (the lock is held here, as another task would hold it)
        Path lock = out.resolve("cells/cifar10/badnets-cifar/.seed-0.lock");
        try (FileLocks.Held held = FileLocks.tryLock(lock)) {
            assertTrue(held != null);
            assertEquals(2, Main.run(bench(out, "--cell", "0")));
        }
        assertFalse(Files.exists(out.resolve("cells/cifar10/badnets-cifar/seed-0")), "it wrote nothing");
    }
}
