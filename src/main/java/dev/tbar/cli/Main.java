package dev.tbar.cli;

import dev.tbar.TbarException;
import dev.tbar.util.Devices;
import dev.tbar.util.Errors;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code tbar} command line. Every failure is one line on stderr: problems with the user's input (a file, a key,
 * an option, memory) exit 2, bugs exit 1; {@code --debug} adds the stack trace.
 */
@Command(name = "tbar", mixinStandardHelpOptions = true, versionProvider = InfoCommand.Version.class,
        description = "Backdoor unlearning by task arithmetic (TBAR): implant, measure and remove backdoors.",
        subcommands = {DemoCommand.class, CleanCommand.class, AttackCommand.class, UnlearnCommand.class,
                FinetuneCommand.class, EvalCommand.class, DetectCommand.class, AnalyzeCommand.class, BenchCommand.class,
                BenchClipCommand.class, InfoCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    static final String DEBUG = "--debug";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = DEBUG, scope = ScopeType.INHERIT,
            description = "On an error, print the stack trace as well as the one-line message.")
    boolean debug;

    @Option(names = Devices.OPTION, scope = ScopeType.INHERIT, paramLabel = "DEVICE",
            description = "Where every tensor lives: auto (a GPU when PyTorch sees one), cpu, cuda or cuda:N"
                    + " (default: $TBAR_DEVICE, else auto).")
    String device;

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        boolean debug = debugRequested(args);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> report(ex, cmd.getErr(), debug));
        cl.setExecutionStrategy(parsed -> { // the device is chosen, and checked, before any command starts
            try {
                Devices.use(((Main) cl.getCommand()).device);
            } catch (TbarException e) {
                return report(e, cl.getErr(), debug);
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        try {
            return cl.execute(args);
        } catch (Throwable t) { // errors such as OutOfMemoryError pass picocli's handler
            return report(t, cl.getErr(), debug);
        }
    }

    /** Prints the one line for {@code ex} and returns the exit code. */
    static int report(Throwable ex, PrintWriter err, boolean debug) {
        Throwable user = find(ex, TbarException.class);
        Throwable io = user == null ? find(ex, IOException.class) : null;
        Throwable oom = find(ex, OutOfMemoryError.class);
        int code;
        if (user != null) {
            err.println("tbar: error: " + Errors.firstLine(String.valueOf(user.getMessage())));
            code = 2;
        } else if (oom != null) {
            err.println("tbar: error: out of memory (" + Errors.reason(oom) + "); give Java more heap, e.g."
                    + " TBAR_JAVA_OPTS=-Xmx20g, or lower the batch size");
            code = 2;
        } else if (io != null) {
            err.println("tbar: error: input/output failed: " + Errors.reason(io));
            code = 2;
        } else {
            err.println("tbar: internal error: " + ex.getClass().getName() + ": " + Errors.reason(ex)
                    + (debug ? "" : " (a bug in tbar: rerun with " + DEBUG + " for the stack trace and report it)"));
            code = 1;
        }
        if (debug) {
            ex.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    private static Throwable find(Throwable ex, Class<? extends Throwable> type) {
        Throwable t = ex;
        for (int depth = 0; t != null && depth < 50; depth++, t = t.getCause()) { // bounded: causes can form a cycle
            if (type.isInstance(t)) {
                return t;
            }
        }
        return null;
    }

    private static boolean debugRequested(String... args) {
        for (String a : args) {
            if (a.equals("--")) {
                return false;
            }
            if (a.equals(DEBUG)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
