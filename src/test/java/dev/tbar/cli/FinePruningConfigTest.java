package dev.tbar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tbar.TbarException;
import dev.tbar.config.Configs;
import dev.tbar.experiment.ExperimentConfig;
import dev.tbar.unlearn.DefenseSettings;
import dev.tbar.unlearn.FinePruning;
import dev.tbar.unlearn.FineTune;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code fine_pruning} section binds from --set like the other defenses and follows the image budget. */
class FinePruningConfigTest {
    @Test
    void sectionBindsAndFollowsTheImageBudget() {
        ExperimentConfig cfg = Configs.load(ExperimentConfig.class, ExperimentConfig.defaults(), null,
                List.of("fine_pruning.max_prune_fraction=0.5", "fine_pruning.step=2", "fine_pruning.train.epochs=3"));
        FinePruning.Config fp = cfg.section(FinePruning.SECTION);
        assertEquals(0.5, fp.maxPruneFraction());
        assertEquals(2, fp.step());
        assertEquals(3, fp.train().epochs());
        DefenseSettings budget = cfg.defenseSettings().withImageBudget(40);
        assertEquals(40, budget.get(FinePruning.SECTION).images());
        assertEquals(40, budget.get(FineTune.SECTION).images());
    }

    @Test
    void badValuesNameTheKey() {
        TbarException e = assertThrows(TbarException.class, () -> Configs.load(ExperimentConfig.class,
                ExperimentConfig.defaults(), null, List.of("fine_pruning.ca_threshold=1.5")));
        assertEquals(true, e.getMessage().contains("fine_pruning.ca_threshold"), e.getMessage());
        assertEquals(2, Main.run("demo", "--offline", "--dry-run", "--set", "fine_pruning.step=0"));
    }
}
