package dev.tbar.cluster;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command that starts this very tbar again: the same java, heap and system properties, and classpath, so a batch
 * job runs the build that wrote it, not whatever {@code tbar} a node's PATH happens to hold.
 */
public record Launcher(List<String> command) {
    public Launcher {
        command = List.copyOf(command);
    }

    /** This JVM's launcher for {@code mainClass}. */
    public static Launcher current(String mainClass) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-Xm") || a.startsWith("-Xss") || a.startsWith("-XX:MaxDirectMemorySize")
                    || a.startsWith("-D")) {
                cmd.add(a); // agents and debugger hooks of this JVM stay out of batch jobs
            }
        }
        List<String> cp = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            cp.add(entry.isEmpty() ? entry : Path.of(entry).toAbsolutePath().normalize().toString());
        }
        cmd.add("-cp");
        cmd.add(String.join(File.pathSeparator, cp));
        cmd.add(mainClass);
        return new Launcher(cmd);
    }

    /** The command with {@code args} after it. */
    public List<String> with(List<String> args) {
        List<String> all = new ArrayList<>(command);
        all.addAll(args);
        return all;
    }
}
