package dev.tbar.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.tbar.TbarException;
import dev.tbar.config.Configs;
import dev.tbar.util.Hashing;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Collects a run's provenance while it runs (command, resolved config, seeds, input hashes, versions, git commit,
 * phase timings, start/end) and renders it as {@code manifest.json}. The manifest is written when a run starts
 * (status "running") and again when it ends ("completed" or "failed"), so even a crashed run says what it was.
 */
public final class Manifest {
    public static final String FILE = "manifest.json";
    public static final String TOOL = "tbar";
    /** Bumped when a field changes meaning, so old manifests can still be read correctly. */
    public static final int FORMAT = 1;

    /** The JSON form of a manifest; field order is the file's order. */
    public record Data(
            String tool,
            int format,
            String status,
            String command,
            List<String> args,
            JsonNode config,
            Map<String, Long> seeds,
            Map<String, String> dataHashes,
            String triggerHash,
            Versions versions,
            GitInfo git,
            Instant startedAt,
            Instant finishedAt,
            double wallSeconds,
            List<Timings.Phase> timings,
            Map<String, String> outputs,
            String error) {}

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Clock clock;
    private final String command;
    private final List<String> args;
    private final Versions versions;
    private final GitInfo git;
    private final Instant startedAt;
    private final Timings timings;
    private final Map<String, Long> seeds = new LinkedHashMap<>();
    private final Map<String, String> dataHashes = new LinkedHashMap<>();
    private JsonNode config = NullNode.instance;
    private String triggerHash;
    private Instant finishedAt;
    private String status = "running";
    private String error;

    private Manifest(String command, List<String> args, Versions versions, GitInfo git, Clock clock,
            Timings timings) {
        this.command = command;
        this.args = List.copyOf(args);
        this.versions = versions;
        this.git = git;
        this.clock = clock;
        this.timings = timings;
        this.startedAt = clock.instant();
    }

    /**
     * Starts a manifest now for {@code command} (e.g. "unlearn") run with {@code args} (the command line as given).
     * Detects versions, which starts the DJL engine if it is not running yet.
     */
    public static Manifest start(String command, List<String> args) {
        return start(command, args, Versions.detect(), GitInfo.ofTbarCheckout(), Clock.systemUTC(), new Timings());
    }

    /** As {@link #start(String, List)} with everything given (tests, or a caller that has them already). */
    public static Manifest start(String command, List<String> args, Versions versions, GitInfo git, Clock clock,
            Timings timings) {
        return new Manifest(command, args, versions, git, clock, timings);
    }

    /**
     * The resolved configuration (a config record, or a map of them); replaces an earlier one. Written in the config
     * language ({@link Configs#tree}), not as result JSON, so the block can be fed back with {@code --config}.
     */
    public synchronized Manifest config(Object resolved) {
        this.config = Configs.tree(resolved);
        return this;
    }

    /** Records a seed under a name that says what it drove ("attack", "split", "init"). */
    public synchronized Manifest seed(String name, long value) {
        seeds.put(name, value);
        return this;
    }

    /** Hashes a data input (a file, or a folder's content; see {@link Hashing#sha256(Path)}). */
    public Manifest data(String name, Path fileOrDir) {
        String sha = Hashing.sha256(fileOrDir); // outside the lock: may take a while for large archives
        return dataHash(name, sha);
    }

    /** Records a data input's hash computed elsewhere (64 lower-case hex digits). */
    public synchronized Manifest dataHash(String name, String sha256) {
        dataHashes.put(name, checkSha(sha256, "data hash of " + name));
        return this;
    }

    /** Records the trigger's hash ({@code Trigger.sha256()}). */
    public synchronized Manifest trigger(String sha256) {
        this.triggerHash = checkSha(sha256, "trigger hash");
        return this;
    }

    /** Where phases are timed: {@code try (var t = manifest.timings().phase("attack")) {...}}. */
    public Timings timings() {
        return timings;
    }

    /** Marks the run finished successfully now. */
    public synchronized Manifest completed() {
        status = "completed";
        error = null;
        finishedAt = clock.instant();
        return this;
    }

    /** Marks the run failed now, keeping the reason (the message a user saw). */
    public synchronized Manifest failed(Throwable cause) {
        status = "failed";
        error = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getName();
        finishedAt = clock.instant();
        return this;
    }

    public synchronized String status() {
        return status;
    }

    /** The manifest as it stands; {@code outputs} maps run-folder files to their SHA-256. */
    public synchronized Data snapshot(Map<String, String> outputs) {
        Instant end = finishedAt != null ? finishedAt : clock.instant();
        double wall = Duration.between(startedAt, end).toMillis() / 1e3;
        return new Data(TOOL, FORMAT, status, command, args, config, new LinkedHashMap<>(seeds),
                new LinkedHashMap<>(dataHashes), triggerHash, versions,
                git, startedAt, finishedAt, wall, timings.phases(), new LinkedHashMap<>(outputs), error);
    }

    /** Writes the manifest (no outputs listed) to {@code file}, atomically. */
    public void writeTo(Path file) {
        Json.write(file, snapshot(Map.of()));
    }

    private static String checkSha(String sha, String what) {
        if (sha == null || !SHA256.matcher(sha).matches()) {
            throw new TbarException(what + ": expected 64 lower-case hex digits (SHA-256), got '" + sha + "'");
        }
        return sha;
    }
}
