package dev.tbar.cluster;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tbar.Shared;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real one-node Slurm cluster in a temporary folder: munged, slurmctld and slurmd from Debian's slurm-wlm and munge
 * packages, on free loopback ports, in the foreground as children of the test, stopped on close. Without the packages
 * the test skips, and fails under CI ({@code .ci/run} installs them).
 */
final class SlurmCluster implements AutoCloseable {
    private static final List<String> PROGRAMS = List.of("munged", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo",
            "scancel");
    private static final Duration START = Duration.ofSeconds(60);

    private final Path dir;
    private final Path conf;
    private final List<Process> daemons = new ArrayList<>();

    private SlurmCluster(Path dir) {
        this.dir = dir;
        this.conf = dir.resolve("slurm.conf");
    }

    /** Starts the daemons and waits (bounded) until the node takes jobs. */
    static SlurmCluster start(Path dir) throws Exception {
        List<String> missing = PROGRAMS.stream().filter(p -> which(p) == null).toList();
        if (!missing.isEmpty()) {
            String why = "Slurm is not installed here (missing " + missing + "; apt-get install slurm-wlm munge)";
            if (Shared.underCi()) {
                fail(why + ", and CI=true: .ci/run installs it");
            }
            assumeTrue(false, "SKIPPED: " + why);
        }
        SlurmCluster c = new SlurmCluster(dir);
        try {
            c.launch();
            c.awaitNode();
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
        return c;
    }

    private void launch() throws Exception {
        Path munge = Files.createDirectories(dir.resolve("munge"));
        Files.setPosixFilePermissions(munge, PosixFilePermissions.fromString("rwx------"));
        Path key = munge.resolve("munge.key");
        byte[] bytes = new byte[1024];
        new SecureRandom().nextBytes(bytes);
        Files.write(key, bytes);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("r--------"));
        Path socket = munge.resolve("munge.socket");
        daemons.add(daemon("munged", List.of(which("munged"), "-F", "--force", "--key-file=" + key,
                "--socket=" + socket, "--pid-file=" + munge.resolve("munged.pid"),
                "--log-file=" + munge.resolve("munged.log"), "--seed-file=" + munge.resolve("munged.seed"))));
        waitFor(() -> Files.exists(socket), "munged's socket " + socket);
        String host = run(List.of("hostname", "-s")).strip();
        String user = System.getProperty("user.name");
        Files.createDirectories(dir.resolve("state"));
        Files.createDirectories(dir.resolve("spool"));
        Files.writeString(conf, String.join("\n",
                "ClusterName=tbartest",
                "SlurmctldHost=" + host + "(127.0.0.1)",
                "SlurmUser=" + user,
                "SlurmdUser=" + user,
                "SlurmctldPort=" + freePort(),
                "SlurmdPort=" + freePort(),
                "AuthType=auth/munge",
                "CredType=cred/munge",
                "AuthInfo=socket=" + socket,
                "StateSaveLocation=" + dir.resolve("state"),
                "SlurmdSpoolDir=" + dir.resolve("spool"),
                "SlurmctldPidFile=" + dir.resolve("slurmctld.pid"),
                "SlurmdPidFile=" + dir.resolve("slurmd.pid"),
                "SlurmctldLogFile=" + dir.resolve("slurmctld.log"),
                "SlurmdLogFile=" + dir.resolve("slurmd.log"),
                "ProctrackType=proctrack/linuxproc",
                "TaskPlugin=task/none",
                "JobAcctGatherType=jobacct_gather/none",
                "SelectType=select/cons_tres",
                "SelectTypeParameters=CR_CPU",
                "ReturnToService=2",
                "MpiDefault=none",
                "NodeName=" + host + " NodeAddr=127.0.0.1 CPUs=" + Runtime.getRuntime().availableProcessors()
                        + " RealMemory=16000 State=UNKNOWN",
                "PartitionName=debug Nodes=" + host + " Default=YES MaxTime=INFINITE State=UP", ""));
        daemons.add(daemon("slurmctld", List.of(which("slurmctld"), "-D", "-i", "-f", conf.toString())));
        daemons.add(daemon("slurmd", List.of(which("slurmd"), "-D", "-f", conf.toString())));
    }

    private void awaitNode() throws Exception {
        waitFor(() -> {
            try {
                return run(List.of("sinfo", "-h", "-o", "%T")).strip().startsWith("idle");
            } catch (IOException e) {
                return false; // slurmctld not answering yet
            }
        }, "an idle node in sinfo (logs in " + dir + ")");
    }

    /** The environment every Slurm client of this cluster needs. */
    Map<String, String> env() {
        return Map.of("SLURM_CONF", conf.toString());
    }

    Path dir() {
        return dir;
    }

    /** Waits (bounded) until the cluster has no job queued or running. */
    void awaitEmptyQueue(Duration limit) throws Exception {
        long end = System.nanoTime() + limit.toNanos();
        while (!run(List.of("squeue", "-h")).isBlank()) {
            if (System.nanoTime() > end) {
                fail("Slurm jobs still queued after " + limit + ":\n" + run(List.of("squeue")));
            }
            Thread.sleep(500);
        }
    }

    /** Runs a Slurm client (or any short command) with this cluster's environment; its output, or an exception. */
    String run(List<String> cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env());
        Process p = pb.start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(cmd + " did not finish within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(cmd + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }

    private Process daemon(String name, List<String> cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".out").toFile());
        pb.environment().putAll(env());
        return pb.start();
    }

    @Override
    public void close() {
        if (daemons.size() == 3) { // jobs run under slurmstepd, outside the daemons' process trees: cancel them first
            try {
                run(List.of("scancel", "--user=" + System.getProperty("user.name")));
                awaitEmptyQueue(Duration.ofSeconds(30));
            } catch (Exception | Error e) {
                System.err.println("Slurm test cluster: jobs may be left running: " + e.getMessage());
            }
        }
        for (int i = daemons.size() - 1; i >= 0; i--) { // slurmd, slurmctld, then munged
            Process p = daemons.get(i);
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void waitFor(Check check, String what) throws Exception {
        long end = System.nanoTime() + START.toNanos();
        while (!check.ok()) {
            if (System.nanoTime() > end) {
                fail("Slurm test cluster: no " + what + " after " + START);
            }
            Thread.sleep(200);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The program's path on PATH or in the sbin folders daemons live in, or null. */
    static String which(String program) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/local/sbin"));
        for (String d : dirs) {
            Path p = Path.of(d.isEmpty() ? "." : d, program);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }
}
