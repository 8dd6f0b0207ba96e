package dev.tbar;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates the read-only third-party data beside the checkout ({@code ../shared}). A user's clone has none, so the
 * tests that need it skip there; under CI ({@code CI=true}) a missing file fails the run instead, since CI always has
 * it.
 */
public final class Shared {
    private Shared() {}

    public static Path root() {
        String env = System.getenv("TBAR_SHARED");
        return env != null ? Path.of(env) : Path.of("..", "shared").toAbsolutePath().normalize();
    }

    public static boolean underCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** The path of {@code relative} under shared/, or a skipped test that says what is missing. */
    public static Path require(String relative) {
        Path p = root().resolve(relative);
        if (underCi() && !Files.exists(p)) {
            fail(p + " is absent, and CI=true: CI must have ../shared (or TBAR_SHARED) beside the checkout");
        }
        assumeTrue(Files.exists(p), () -> "SKIPPED: " + p + " is absent (shared data lives in ../shared beside the"
                + " checkout, or set TBAR_SHARED)");
        return p;
    }
}
