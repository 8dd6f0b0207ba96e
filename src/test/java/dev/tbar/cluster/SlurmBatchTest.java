package dev.tbar.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.TbarException;
import dev.tbar.report.RunFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sbatch scripts: array syntax, quoting, and settings refused before they reach a script. */
class SlurmBatchTest {
    @Test
    void consecutiveCellsBecomeRanges() {
        assertEquals("0-3,5,7-9%4", SlurmBatch.arraySpec(List.of(0, 1, 2, 3, 5, 7, 8, 9), 4));
        assertEquals("4", SlurmBatch.arraySpec(List.of(4), 0));
        assertEquals("1,3", SlurmBatch.arraySpec(List.of(1, 3), 0));
    }

    @Test
    void argumentsAreQuotedForTheShell() {
        assertEquals("'a b' 'it'\\''s' '$HOME'", SlurmBatch.shellWords(List.of("a b", "it's", "$HOME")));
    }

    @Test
    void scriptsCarryTheSettings(@TempDir Path dir) throws Exception {
        RunFolder run = RunFolder.open(dir.resolve("out"), false);
        SlurmConfig cfg = new SlurmConfig("gpu", "lab", "1-00:00:00", 4, "32G", 1, 2, "sbatch");
        SlurmBatch.Scripts s = SlurmBatch.write(run, cfg, List.of(0, 2), List.of("tbar", "bench"),
                List.of("tbar", "bench", "--report-only"), dir);
        String array = Files.readString(s.array());
        for (String line : List.of("#SBATCH --array=0,2%2", "#SBATCH --partition=gpu", "#SBATCH --account=lab",
                "#SBATCH --time=1-00:00:00", "#SBATCH --cpus-per-task=4", "#SBATCH --mem=32G",
                "#SBATCH --gres=gpu:1", "#SBATCH --chdir=" + dir.toAbsolutePath(),
                "exec 'tbar' 'bench' --cell \"$SLURM_ARRAY_TASK_ID\"")) {
            assertTrue(array.contains(line + "\n"), line + " in\n" + array);
        }
        assertTrue(Files.readString(s.leaderboard()).contains("exec 'tbar' 'bench' '--report-only'\n"));
        assertTrue(Files.readString(s.submit()).contains("--dependency=afterany:"));
        assertTrue(Files.isExecutable(s.submit()));
    }

    @Test
    void settingsThatASchedulerWouldMisreadAreRefused(@TempDir Path dir) {
        TbarException e = assertThrows(TbarException.class,
                () -> new SlurmConfig("gpu\n#SBATCH --x", "", "04:00:00", 2, "16G", 0, 0, "sbatch"));
        assertTrue(e.getMessage().startsWith("slurm.partition: expected"), e.getMessage());
        e = assertThrows(TbarException.class, () -> new SlurmConfig("", "", "4 hours", 2, "16G", 0, 0, "sbatch"));
        assertTrue(e.getMessage().contains("slurm.time"), e.getMessage());
        e = assertThrows(TbarException.class, () -> new SlurmConfig("", "", "60", 0, "16G", 0, 0, "sbatch"));
        assertTrue(e.getMessage().contains("slurm.cpus_per_task"), e.getMessage());
        e = assertThrows(TbarException.class, () -> new SlurmConfig("", "", "60", 1, "lots", 0, 0, "sbatch"));
        assertTrue(e.getMessage().contains("slurm.mem"), e.getMessage());
        RunFolder run = RunFolder.open(dir.resolve("with space"), false);
        e = assertThrows(TbarException.class, () -> SlurmBatch.write(run, SlurmConfig.defaults(), List.of(0),
                List.of("tbar"), List.of("tbar"), dir));
        assertTrue(e.getMessage().contains("#SBATCH line"), e.getMessage());
    }
}
