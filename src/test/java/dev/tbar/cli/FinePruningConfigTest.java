package dev.tbar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tbar.TbarException;
import dev.tbar.config.Configs;
import dev.tbar.unlearn.DefenseConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code fine_pruning} section binds from --set like the other defenses and follows the image budget. */
class FinePruningConfigTest {
    @Test
    void sectionBindsAndFollowsTheImageBudget() {
        ExperimentConfig cfg = Configs.load(ExperimentConfig.class, ExperimentConfig.defaults(), null,
                List.of("fine_pruning.max_prune_fraction=0.5", "fine_pruning.step=2", "fine_pruning.train.epochs=3"));
        assertEquals(0.5, cfg.finePruning().maxPruneFraction());
        assertEquals(2, cfg.finePruning().step());
        assertEquals(3, cfg.finePruning().train().epochs());
        DefenseConfig budget = cfg.defenseConfig().withImageBudget(40);
        assertEquals(40, budget.finePruning().images());
        assertEquals(40, budget.finetune().images());
    }

    @Test
    void badValuesNameTheKey() {
        TbarException e = assertThrows(TbarException.class, () -> Configs.load(ExperimentConfig.class,
                ExperimentConfig.defaults(), null, List.of("fine_pruning.ca_threshold=1.5")));
        assertEquals(true, e.getMessage().contains("fine_pruning.ca_threshold"), e.getMessage());
        assertEquals(2, Main.run("demo", "--dry-run", "--set", "fine_pruning.step=0"));
    }
}
