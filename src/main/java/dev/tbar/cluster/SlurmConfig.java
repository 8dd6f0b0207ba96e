package dev.tbar.cluster;

import dev.tbar.TbarException;
import java.util.regex.Pattern;

/**
 * The {@code slurm} section: what each benchmark cell asks the scheduler for. Values go into an sbatch script, so
 * each is checked against what Slurm accepts before anything is written.
 *
 * @param partition partition to submit to (empty = the cluster's default)
 * @param account account to charge (empty = the user's default)
 * @param time wall-time limit of one cell, Slurm's format ({@code MM}, {@code HH:MM:SS}, {@code D-HH:MM:SS}, ...)
 * @param cpusPerTask CPU cores per cell
 * @param mem memory per cell, Slurm's format ({@code 16G}, {@code 16000M}, ...)
 * @param gpus GPUs per cell (0 = none; cells given one run with {@code --device cuda} unless told otherwise)
 * @param maxParallel at most this many cells at once (the array's {@code %N}; 0 = no limit)
 * @param sbatch the sbatch command {@code --submit} calls
 */
public record SlurmConfig(String partition, String account, String time, int cpusPerTask, String mem, int gpus,
        int maxParallel, String sbatch) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.,-]*");
    private static final Pattern TIME = Pattern.compile("\\d+(-\\d{1,2}(:\\d{1,2}(:\\d{1,2})?)?|:\\d{1,2}(:\\d{1,2})?)?");
    private static final Pattern MEM = Pattern.compile("\\d+[KMGT]?");

    public SlurmConfig {
        partition = partition == null ? "" : partition;
        account = account == null ? "" : account;
        sbatch = sbatch == null || sbatch.isBlank() ? "sbatch" : sbatch;
        require(NAME.matcher(partition).matches(), "slurm.partition", partition, "letters, digits, '_.,-'");
        require(NAME.matcher(account).matches(), "slurm.account", account, "letters, digits, '_.,-'");
        require(time != null && TIME.matcher(time).matches(), "slurm.time", time,
                "Slurm's time format, e.g. 90, 04:00:00 or 1-00:00:00");
        require(mem != null && MEM.matcher(mem).matches(), "slurm.mem", mem, "a size such as 16G or 16000M");
        require(cpusPerTask >= 1, "slurm.cpus_per_task", cpusPerTask, "at least 1");
        require(gpus >= 0, "slurm.gpus", gpus, "0 or more");
        require(maxParallel >= 0, "slurm.max_parallel", maxParallel, "0 (no limit) or more");
    }

    /** Two cores, 16 GB and four hours per cell, no GPU: the CIFAR-10 ResNet-20 matrix at the 2% budget. */
    public static SlurmConfig defaults() {
        return new SlurmConfig("", "", "04:00:00", 2, "16G", 0, 0, "sbatch");
    }

    private static void require(boolean ok, String key, Object value, String expected) {
        if (!ok) {
            throw new TbarException(key + ": expected " + expected + ", got '" + value + "'");
        }
    }
}
