package dev.tbar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every command's help renders without picocli's format warnings (an unescaped % in a description). */
class HelpTextTest {
    @Test
    void everyHelpTextRendersCleanly() {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.run("--help"));
            for (String name : new CommandLine(new Main()).getSubcommands().keySet()) {
                assertEquals(0, Main.run(name, "--help"), name);
            }
        } finally {
            System.setErr(old);
        }
        String e = err.toString(StandardCharsets.UTF_8);
        assertFalse(e.contains("WARN"), e);
    }
}
