package dev.tbar.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tbar.cli.Main;
import dev.tbar.report.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A four-cell tiny benchmark, one cell run beforehand and three submitted to a real Slurm cluster as a job array (two
 * at a time, writing into one folder), gives the same leaderboard as the sequential run, rebuilt by the job that
 * waits for the array.
 */
class SlurmBenchTest {
    private static final List<String> TINY = List.of("--set", "data.format=synthetic", "--set", "data.path=",
            "--set", "data.image_size=12", "--set", "data.train_size=400", "--set", "data.test_size=100",
            "--set", "model.name=resnet8", "--set", "model.weights=", "--set", "split.defender_fraction=0.3",
            "--set", "implant.epochs=1", "--set", "finetune.train.epochs=1", "--set", "defenses=[finetune]",
            "--attacks", "badnets-cifar,blended-cifar", "--seeds", "0,1", "--trigger-fraction", "0.1");

    private static List<String> bench(Path out) {
        List<String> a = new ArrayList<>(List.of("bench", "--out", out.toString()));
        a.addAll(TINY);
        return a;
    }

    @Test
    void aJobArrayGivesTheSequentialLeaderboard(@TempDir Path dir) throws Exception {
        try (SlurmCluster slurm = SlurmCluster.start(dir.resolve("cluster"))) {
            Path seq = dir.resolve("sequential");
            assertEquals(0, Main.run(bench(seq).toArray(String[]::new)));

            // one cell done beforehand: the array takes the other three
            Path out = dir.resolve("slurm");
            List<String> cell = new ArrayList<>(bench(out));
            assertEquals(0, Main.run(append(cell, "--plan")));
            assertEquals(0, Main.run(append(cell, "--cell", "1")));
            List<String> cmd = Launcher.current(Main.class.getName()).with(bench(out));
            cmd.addAll(List.of("--slurm", "--submit", "--set", "slurm.cpus_per_task=1", "--set", "slurm.mem=2G",
                    "--set", "slurm.time=10"));
            Path submitted = dir.resolve("submit.log"); // a file, not a pipe: a full pipe would stall the process
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(submitted.toFile());
            pb.environment().putAll(slurm.env());
            Process p = pb.start();
            try {
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "tbar bench --slurm --submit finished");
            } finally {
                p.destroyForcibly();
            }
            String said = Files.readString(submitted);
            assertEquals(0, p.exitValue(), said);
            Matcher ids = Pattern.compile("submitted: cells job (\\d+), leaderboard job (\\d+)").matcher(said);
            assertTrue(ids.find(), said);
            String array = Files.readString(out.resolve("slurm/cells.sbatch"));
            assertTrue(array.contains("#SBATCH --array=0,2-3\n"), array);

            slurm.awaitEmptyQueue(Duration.ofMinutes(5));
            for (int k : new int[] {0, 2, 3}) {
                Path log = out.resolve("slurm/cell-" + k + ".out");
                assertTrue(Files.isRegularFile(log), "task " + k + " ran and logged");
            }
            assertTrue(Files.readString(out.resolve("slurm/leaderboard.out")).contains("finetune"),
                    "the dependent job rebuilt the leaderboard");
            assertSameResults(Json.read(seq.resolve("leaderboard.json")), Json.read(out.resolve("leaderboard.json")),
                    out);
            for (String k : new String[] {"badnets-cifar/seed-0", "blended-cifar/seed-1"}) {
                JsonNode m = Json.read(out.resolve("cells/cifar10/" + k + "/manifest.json"));
                assertEquals("completed", m.at("/status").asText(), k + ": the task's own manifest");
            }
        }
    }

    /** Equal rows, numbers and all, except the wall times. */
    private static void assertSameResults(JsonNode seq, JsonNode slurm, Path out) throws Exception {
        JsonNode a = seq.at("/rows");
        JsonNode b = slurm.at("/rows");
        assertEquals(a.size(), b.size(), Files.readString(out.resolve("slurm/leaderboard.out")));
        assertEquals(6, a.size(), "never poisoned, backdoored and finetune, for each attack");
        for (int i = 0; i < a.size(); i++) {
            for (String key : new String[] {"dataset", "attack", "model", "ca", "asr", "ra", "der", "regainedAsr"}) {
                assertEquals(a.get(i).get(key), b.get(i).get(key), "row " + i + " " + key);
            }
        }
    }

    private static String[] append(List<String> args, String... more) {
        List<String> all = new ArrayList<>(args);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }
}
