package dev.tbar;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the read-only third-party data beside the checkout ({@code ../shared}); tests skip when it is absent. */
public final class Shared {
    private Shared() {}

    public static Path root() {
        String env = System.getenv("TBAR_SHARED");
        return env != null ? Path.of(env) : Path.of("..", "shared").toAbsolutePath().normalize();
    }

    /** The path of {@code relative} under shared/, or a skipped test that says what is missing. */
    public static Path require(String relative) {
        Path p = root().resolve(relative);
        assumeTrue(Files.exists(p), () -> "SKIPPED: " + p + " is absent (shared data lives in ../shared beside the"
                + " checkout, or set TBAR_SHARED)");
        return p;
    }
}
