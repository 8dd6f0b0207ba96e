package dev.tbar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.TbarException;
import dev.tbar.config.Configs;
import dev.tbar.experiment.ExperimentConfig;
import dev.tbar.unlearn.DefenseSettings;
import dev.tbar.unlearn.Defenses;
import dev.tbar.unlearn.FineTune;
import dev.tbar.unlearn.Tbar;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Defense sections in the experiment config: each defense's own section, bad names, keys and values refused at load
 * (before any work) with the defense and key named, and hashes that follow exactly the settings a defense reads.
 */
class DefenseSettingsConfigTest {
    static TbarException loadError(String... overrides) {
        return assertThrows(TbarException.class,
                () -> Configs.load(ExperimentConfig.class, ExperimentConfig.defaults(), null, List.of(overrides)));
    }

    @Test
    void badNamesKeysAndValuesAreRefusedAtLoadNamingThem() {
        String m = loadError("defenses=[tbar, sau-typo]").getMessage();
        assertTrue(m.contains("unknown defense 'sau-typo'") && m.contains("finetune"), m);
        m = loadError("tbar.ca_thresholdd=0.9").getMessage();
        assertTrue(m.contains("'tbar.ca_thresholdd'") && m.contains("ca_threshold"), m);
        m = loadError("fine_pruning.train.lrr=1").getMessage();
        assertTrue(m.contains("'fine_pruning.train.lrr'"), m);
        m = loadError("tbarr.ca_threshold=0.9").getMessage();
        assertTrue(m.contains("unknown key 'tbarr'") && m.contains("nc_unlearn") && m.contains("seed"), m);
        m = loadError("tbar.ca_threshold=1.5").getMessage();
        assertTrue(m.contains("tbar.ca_threshold"), m);
    }

    @Test
    void anUnknownDefenseStopsTheCommandBeforeAnythingIsWritten(@TempDir Path dir) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.run("demo", "--offline", "--out", dir.resolve("run").toString(), "--set", "defenses=[sau-typo]");
        } finally {
            System.setErr(old);
        }
        assertEquals(2, code);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("unknown defense 'sau-typo'"), err.toString());
        assertFalse(Files.exists(dir.resolve("run")), "nothing is written for a refused run");
    }

    @Test
    void everyRegisteredSectionIsATopLevelKeyThatLoadsBack() {
        ExperimentConfig c = Configs.load(ExperimentConfig.class, ExperimentConfig.defaults(), null,
                List.of("tbar.ca_threshold=0.9", "finetune.images=7"));
        var tree = Configs.tree(c);
        for (String key : Defenses.sectionKeys()) {
            assertTrue(tree.has(key), key);
        }
        assertEquals(0.9, c.section(Tbar.SECTION).caThreshold());
        assertEquals(7, c.section(FineTune.SECTION).images());
        assertEquals(c, Configs.load(ExperimentConfig.class, ExperimentConfig.defaults(), null, List.of(
                "tbar.ca_threshold=0.9", "finetune.images=7")));
    }

    @Test
    void aDefenseHashFollowsTheSectionsItReadsAndTheImplant() {
        ExperimentConfig c = ExperimentConfig.defaults();
        DefenseSettings s = c.defenseSettings();
        DefenseSettings otherTbar = s.with("tbar.ca_threshold=0.9");
        assertNotEquals(c.defenseHash("tbar", s), c.defenseHash("tbar", otherTbar));
        assertNotEquals(c.defenseHash("tbar", s), c.defenseHash("tbar-global", s), "a variant is another defense");
        assertEquals(c.defenseHash("finetune", s), c.defenseHash("finetune", otherTbar), "finetune reads no tbar.*");
        assertNotEquals(c.defenseHash("finetune", s), c.defenseHash("finetune", s.withImageBudget(40)));
        ExperimentConfig otherAttack = Configs.load(ExperimentConfig.class, c, null, List.of("attack.poison_rate=0.2"));
        assertNotEquals(c.implantHash(), otherAttack.implantHash());
        assertEquals(c.implantHash(), Configs.load(ExperimentConfig.class, c, null, List.of("tbar.layers=conv.*",
                "defenses=[finetune]")).implantHash(), "defense settings do not touch the backdoored model");
    }
}
