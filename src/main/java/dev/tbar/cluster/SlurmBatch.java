package dev.tbar.cluster;

import dev.tbar.TbarException;
import dev.tbar.report.RunFolder;
import dev.tbar.util.Errors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A benchmark as Slurm jobs: a job array with one task per unfinished cell, and a job that rebuilds the leaderboard
 * once the array has ended, however its tasks ended (Slurm's {@code afterany}), so finished cells are always
 * reported. The scripts are written into the folder's {@code slurm/}, with {@code submit.sh} to submit them by hand.
 */
public final class SlurmBatch {
    public static final String DIR = "slurm";
    static final String ARRAY = DIR + "/cells.sbatch";
    static final String LEADERBOARD = DIR + "/leaderboard.sbatch";
    static final String SUBMIT = DIR + "/submit.sh";
    private static final long SBATCH_TIMEOUT_S = 120;
    private static final Pattern PLAIN_PATH = Pattern.compile("[^\\s'\"`$%\\\\]+");

    /** The written scripts. */
    public record Scripts(Path array, Path leaderboard, Path submit) {}

    /** The job ids sbatch gave the array and the leaderboard job. */
    public record Submitted(String arrayJob, String leaderboardJob) {}

    private SlurmBatch() {}

    /**
     * Writes the scripts for {@code cells} (indices of a plan).
     *
     * @param cellCommand the command that runs one cell given {@code --cell K} after it
     * @param reportCommand the command that rebuilds the leaderboard
     * @param workDir the folder the jobs run in (relative paths in the commands are relative to it)
     */
    public static Scripts write(RunFolder run, SlurmConfig cfg, List<Integer> cells, List<String> cellCommand,
            List<String> reportCommand, Path workDir) {
        if (cells.isEmpty()) {
            throw new IllegalArgumentException("no cells to submit");
        }
        String logs = plainPath(run.path(DIR).toString(), "--out");
        String dir = plainPath(workDir.toAbsolutePath().toString(), "the working directory");
        String array = header(cfg, "tbar-cells", dir, logs + "/cell-%a.out")
                + "#SBATCH --array=" + arraySpec(cells, cfg.maxParallel()) + "\n"
                + "#SBATCH --cpus-per-task=" + cfg.cpusPerTask() + "\n"
                + "#SBATCH --mem=" + cfg.mem() + "\n"
                + (cfg.gpus() > 0 ? "#SBATCH --gres=gpu:" + cfg.gpus() + "\n" : "")
                + "set -euo pipefail\n"
                + "exec " + shellWords(cellCommand) + " --cell \"$SLURM_ARRAY_TASK_ID\"\n";
        String report = header(cfg, "tbar-leaderboard", dir, logs + "/leaderboard.out")
                + "#SBATCH --cpus-per-task=1\n#SBATCH --mem=4G\n"
                + "set -euo pipefail\n"
                + "exec " + shellWords(reportCommand) + "\n";
        String sbatch = quote(cfg.sbatch());
        String submit = "#!/bin/bash\n# Submits the cells as a job array, then the leaderboard once the array has ended.\n"
                + "set -euo pipefail\ncd " + quote(run.dir().toString()) + "\n"
                + "array=$(" + sbatch + " --parsable " + ARRAY + ")\n"
                + "report=$(" + sbatch + " --parsable --dependency=afterany:\"${array%%;*}\" " + LEADERBOARD + ")\n"
                + "echo \"cells: job ${array%%;*}, leaderboard: job ${report%%;*}\"\n";
        Path a = run.writeString(ARRAY, array);
        Path l = run.writeString(LEADERBOARD, report);
        Path s = run.writeString(SUBMIT, submit);
        s.toFile().setExecutable(true);
        return new Scripts(a, l, s);
    }

    private static String header(SlurmConfig cfg, String name, String workDir, String output) {
        return "#!/bin/bash\n"
                + "#SBATCH --job-name=" + name + "\n"
                + "#SBATCH --chdir=" + workDir + "\n"
                + "#SBATCH --output=" + output + "\n"
                + "#SBATCH --time=" + cfg.time() + "\n"
                + (cfg.partition().isEmpty() ? "" : "#SBATCH --partition=" + cfg.partition() + "\n")
                + (cfg.account().isEmpty() ? "" : "#SBATCH --account=" + cfg.account() + "\n");
    }

    /** Submits the array, then the leaderboard job depending on it. */
    public static Submitted submit(SlurmConfig cfg, Scripts scripts) {
        String array = sbatch(cfg, List.of("--parsable", scripts.array().toString()));
        String report = sbatch(cfg, List.of("--parsable", "--dependency=afterany:" + array,
                scripts.leaderboard().toString()));
        return new Submitted(array, report);
    }

    /** Runs sbatch and returns the job id it prints (--parsable: {@code id} or {@code id;cluster}). */
    private static String sbatch(SlurmConfig cfg, List<String> args) {
        List<String> cmd = new ArrayList<>(List.of(cfg.sbatch()));
        cmd.addAll(args);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            if (!p.waitFor(SBATCH_TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new TbarException("--submit: " + cfg.sbatch() + " did not answer within " + SBATCH_TIMEOUT_S
                        + " s");
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            String id = out.lines().reduce((x, y) -> y).orElse("").split(";")[0].strip();
            if (p.exitValue() != 0 || !id.matches("\\d+")) {
                throw new TbarException("--submit: " + String.join(" ", cmd) + " failed (exit " + p.exitValue()
                        + "): " + Errors.firstLine(out.isEmpty() ? "no output" : out));
            }
            return id;
        } catch (IOException e) {
            throw new TbarException("--submit: cannot run " + cfg.sbatch() + " (is Slurm installed here? set"
                    + " slurm.sbatch to its path): " + Errors.reason(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TbarException("--submit: interrupted while waiting for " + cfg.sbatch(), e);
        }
    }

    /** Slurm's array syntax for {@code cells}, consecutive indices as ranges: {@code 0-3,5,7-9%4}. */
    static String arraySpec(List<Integer> cells, int maxParallel) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.size(); ) {
            int j = i;
            while (j + 1 < cells.size() && cells.get(j + 1) == cells.get(j) + 1) {
                j++;
            }
            sb.append(sb.length() == 0 ? "" : ",").append(cells.get(i));
            if (j > i) {
                sb.append('-').append(cells.get(j));
            }
            i = j + 1;
        }
        return maxParallel > 0 ? sb + "%" + maxParallel : sb.toString();
    }

    /** The words as one shell command line, each single-quoted. */
    static String shellWords(List<String> words) {
        return String.join(" ", words.stream().map(SlurmBatch::quote).toList());
    }

    static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** #SBATCH lines take no quoting: paths written there must be plain. */
    private static String plainPath(String path, String what) {
        if (!PLAIN_PATH.matcher(path).matches()) {
            throw new TbarException("--slurm: " + what + " " + path + " has a space, quote, '$', '%' or backslash,"
                    + " which an #SBATCH line cannot carry; use a folder without them");
        }
        return path;
    }
}
