package dev.tbar.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.TbarException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigsTest {
    record Inner(double lr, int epochs) {}

    record Outer(long seed, String name, Inner train, List<String> tags) {}

    static final Outer DEFAULTS = new Outer(0, "x", new Inner(0.1, 3), List.of("a"));

    @Test
    void fileThenOverridesMergeOverDefaults(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "name: y\ntrain:\n  epochs: 7\n");
        Outer o = Configs.load(Outer.class, DEFAULTS, f, List.of("train.lr=0.5", "tags=[b, c]", "seed=9"));
        assertEquals(new Outer(9, "y", new Inner(0.5, 7), List.of("b", "c")), o);
    }

    @Test
    void unknownKeyIsNamedWithItsPath() {
        TbarException e = assertThrows(TbarException.class,
                () -> Configs.load(Outer.class, DEFAULTS, null, List.of("train.lrr=1")));
        assertTrue(e.getMessage().contains("'train.lrr'"), e.getMessage());
        assertTrue(e.getMessage().contains("epochs"), e.getMessage());
    }

    @Test
    void wrongTypeIsNamed() {
        TbarException e = assertThrows(TbarException.class,
                () -> Configs.load(Outer.class, DEFAULTS, null, List.of("train.epochs=many")));
        assertTrue(e.getMessage().contains("train.epochs"), e.getMessage());
    }

    @Test
    void badOverrideSyntaxAndMissingFile(@TempDir Path dir) {
        assertTrue(assertThrows(TbarException.class, () -> Configs.load(Outer.class, DEFAULTS, null,
                List.of("no-equals-sign"))).getMessage().contains("--set"));
        Path missing = dir.resolve("nope.yaml");
        assertTrue(assertThrows(TbarException.class, () -> Configs.load(Outer.class, DEFAULTS, missing,
                List.of())).getMessage().contains(missing.toString()));
    }

    @Test
    void malformedYamlNamesTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.yaml");
        Files.writeString(f, "train: [unclosed\n");
        TbarException e = assertThrows(TbarException.class, () -> Configs.load(Outer.class, DEFAULTS, f, List.of()));
        assertTrue(e.getMessage().contains("bad.yaml"), e.getMessage());
    }

    @Test
    void duplicateKeysAndFractionalIntegersAreErrors(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("dup.yaml");
        Files.writeString(f, "name: y\nname: z\n");
        TbarException e = assertThrows(TbarException.class, () -> Configs.load(Outer.class, DEFAULTS, f, List.of()));
        assertTrue(e.getMessage().contains("dup.yaml") && e.getMessage().contains("name"), e.getMessage());
        e = assertThrows(TbarException.class,
                () -> Configs.load(Outer.class, DEFAULTS, null, List.of("train.epochs=3.5")));
        assertTrue(e.getMessage().contains("train.epochs"), e.getMessage());
    }
}
