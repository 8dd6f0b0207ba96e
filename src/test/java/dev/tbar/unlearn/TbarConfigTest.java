package dev.tbar.unlearn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.TbarException;
import dev.tbar.data.Concat;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.data.Synthetic;
import org.junit.jupiter.api.Test;

class TbarConfigTest {

    @Test
    void invalidSettingsNameTheirKey() {
        assertMessage("tbar.ca_threshold", () -> Tbar.SECTION.with("ca_threshold=1.5"));
        assertMessage("tbar.trigger_set_size", () -> Tbar.SECTION.with("trigger_set_size=-1"));
        assertMessage("tbar.clean_mix", () -> Tbar.SECTION.with("clean_mix=2"));
        assertMessage("tbar.bn_recalibration", () -> Tbar.SECTION.with("bn_recalibration=-5"));
        assertMessage("tbar.layers", () -> Tbar.SECTION.with("layers=conv(["));
        assertMessage("tbar.alphas", () -> Tbar.SECTION.with("alphas.max=-1"));
        assertMessage("tbar.vector", () -> Tbar.SECTION.with("vector=sideways"));
        assertMessage("finetune.images", () -> FineTune.SECTION.with("images=-1"));
        assertMessage("tbar_fisher.strength", () -> TbarFisher.SECTION.with("strength=-1"));
        assertMessage("tbar_fisher.batch", () -> TbarFisher.SECTION.with("batch=0"));
    }

    @Test
    void eachRegisteredVariantChangesOneSettingOfTheBase() {
        DefenseSettings defenses = DefenseSettings.defaults().with("tbar.ca_threshold=0.9");
        Tbar.Config base = defenses.get(Tbar.SECTION);
        java.util.Map<String, Tbar.Config> expected = java.util.Map.of(
                "tbar", base,
                "tbar-project", Tbar.SECTION.with(base, "project_clean=true"),
                "tbar-global", Tbar.SECTION.with(base, "per_layer_alpha=false"),
                "tbar-linearized", Tbar.SECTION.with(base, "linearized=true"),
                "tbar-mix", Tbar.SECTION.with(base, "clean_mix=0.5"),
                "tbar-no-bn", Tbar.SECTION.with(base, "bn_recalibration=0"),
                "tbar-unlearn-vector", Tbar.SECTION.with(base, "vector=unlearn"),
                "tbar-trigger-vector", Tbar.SECTION.with(base, "vector=trigger"),
                "tbar-best", Tbar.SECTION.with(base, "vector=best"));
        assertEquals(0.9, base.caThreshold());
        assertEquals(Tbar.Vector.COMBINED, base.vector());
        assertEquals(50, base.finetune().clipNorm(), "a blow-up is clipped (README)");
        assertEquals(8, expected.values().stream().filter(c -> !c.equals(base)).count(), "each changes one");
        expected.forEach((name, config) -> {
            Tbar t = (Tbar) Defenses.create(name, defenses);
            assertEquals(name, t.name());
            assertEquals(config, t.config(), name);
        });
    }

    @Test
    void blankLayerFilterMeansEverything() {
        assertEquals(".*", Tbar.SECTION.with("layers=").layers());
    }

    @Test
    void concatenationKeepsOrderAndLabels() {
        InMemoryDataset a = Synthetic.generate(3, 8, "train", 0);
        InMemoryDataset b = Synthetic.generate(2, 8, "test", 0);
        Concat c = new Concat(a, b);
        assertEquals(5, c.size());
        assertEquals(b.label(1), c.label(4));
        assertTrue(java.util.Arrays.equals(b.image(0).pixels(), c.image(3).pixels()));
    }

    private static void assertMessage(String key, org.junit.jupiter.api.function.Executable e) {
        TbarException ex = assertThrows(TbarException.class, e);
        assertTrue(ex.getMessage().contains(key), ex.getMessage());
    }
}
