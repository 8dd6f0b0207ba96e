package dev.tbar.cli;

import dev.tbar.report.RunFolder;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine.Option;

/** Where a command writes its run: --out (default runs/<command>-<time>) and --force. */
final class RunFolderOptions {
    @Option(names = "--out", paramLabel = "DIR", description = "Run folder (default: runs/<command>-<time>).")
    Path out;

    @Option(names = "--force", description = "Write into a non-empty --out folder that is not a tbar run.")
    boolean force;

    /** Opens the run folder of {@code command}. */
    RunFolder open(String command) {
        Path dir = out != null ? out : Path.of("runs", command + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        return RunFolder.open(dir, force);
    }
}
