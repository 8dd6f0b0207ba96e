package dev.tbar.unlearn;

import dev.tbar.TbarException;
import dev.tbar.config.Configs;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Defenses by name. Adding one is its class, a config field in {@link DefenseConfig} and one line here. */
public final class Defenses {
    private static final Map<String, Function<DefenseConfig, Defense>> REGISTRY = new LinkedHashMap<>();

    static {
        REGISTRY.put("tbar", c -> new Tbar(c.tbar()));
        // TBAR variants under their own names, so one benchmark compares them side by side
        variant("tbar-project", "project_clean=true");
        // per-layer alpha is the default since it won on validation (README); the paper's single alpha stays here
        variant("tbar-global", "per_layer_alpha=false");
        variant("tbar-linearized", "linearized=true");
        variant("tbar-mix", "clean_mix=0.5");
        variant("tbar-no-bn", "bn_recalibration=0");
        REGISTRY.put("finetune", c -> new FineTune(c.finetune()));
        REGISTRY.put(TbarInverted.NAME, c -> new TbarInverted(c.invert(), c.tbar()));
        REGISTRY.put(TbarDecree.NAME, c -> new TbarDecree(c.decree(), c.tbar()));
        REGISTRY.put(NcUnlearn.NAME, c -> new NcUnlearn(c.invert(), c.ncUnlearn()));
        REGISTRY.put("fine-pruning", c -> new FinePruning(c.finePruning()));
        REGISTRY.put("cleanclip", c -> new CleanClip(c.cleanclip()));
    }

    private Defenses() {}

    /** TBAR with one {@code tbar.*} setting overridden (the key as in the config file, without the prefix). */
    private static void variant(String name, String override) {
        REGISTRY.put(name, c -> new Tbar(Configs.load(Tbar.Config.class, c.tbar(), null, List.of(override)), name));
    }

    public static Defense create(String name, DefenseConfig config) {
        Function<DefenseConfig, Defense> f = REGISTRY.get(name);
        if (f == null) {
            throw new TbarException("unknown defense '" + name + "'; known defenses: "
                    + String.join(", ", REGISTRY.keySet()));
        }
        return f.apply(config);
    }

    public static java.util.Set<String> names() {
        return REGISTRY.keySet();
    }
}
