package dev.tbar.cli;

import dev.tbar.TbarException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code tbar} command line. User errors print one line and exit 2; bugs print a stack trace and exit 1. */
@Command(name = "tbar", mixinStandardHelpOptions = true, versionProvider = InfoCommand.Version.class,
        description = "Backdoor unlearning by task arithmetic (TBAR): implant, measure and remove backdoors.",
        subcommands = {DemoCommand.class, CleanCommand.class, AttackCommand.class, UnlearnCommand.class,
                FinetuneCommand.class, EvalCommand.class, DetectCommand.class, AnalyzeCommand.class, BenchCommand.class,
                BenchClipCommand.class, InfoCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            Throwable t = ex;
            while (!(t instanceof TbarException) && t.getCause() != null && t.getCause() != t) {
                t = t.getCause();
            }
            PrintWriter err = cmd.getErr();
            if (t instanceof TbarException) {
                err.println("tbar: error: " + t.getMessage());
                err.flush();
                return 2;
            }
            ex.printStackTrace(err);
            err.flush();
            return 1;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
