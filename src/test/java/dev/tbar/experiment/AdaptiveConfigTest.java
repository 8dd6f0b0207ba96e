package dev.tbar.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.TbarException;
import dev.tbar.config.Configs;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The adaptive-attack section and tbar.linearized through the config loader. */
class AdaptiveConfigTest {
    static ExperimentConfig load(String... overrides) {
        return Configs.load(ExperimentConfig.class, ExperimentConfig.defaults(), null, List.of(overrides));
    }

    @Test
    void offByDefault() {
        ExperimentConfig c = load();
        assertFalse(c.adaptive().enabled());
        assertFalse(c.section(dev.tbar.unlearn.Tbar.SECTION).linearized());
    }

    @Test
    void overridesReachTheRecords() {
        ExperimentConfig c = load("adaptive.lambda=0.5", "adaptive.probe_steps=7", "tbar.linearized=true");
        assertEquals(0.5, c.adaptive().lambda());
        assertEquals(7, c.adaptive().probeSteps());
        assertTrue(c.section(dev.tbar.unlearn.Tbar.SECTION).linearized());
    }

    @Test
    void aNegativeLambdaNamesItsKey() {
        TbarException e = assertThrows(TbarException.class, () -> load("adaptive.lambda=-1"));
        assertTrue(e.getMessage().contains("adaptive.lambda"), e.getMessage());
    }
}
