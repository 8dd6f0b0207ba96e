package dev.tbar.unlearn;

import dev.tbar.TbarException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/** Defenses by name. Adding one is its class, a config field in {@link DefenseConfig} and one line here. */
public final class Defenses {
    private static final Map<String, Function<DefenseConfig, Defense>> REGISTRY = new LinkedHashMap<>();

    static {
        REGISTRY.put("tbar", c -> new Tbar(c.tbar()));
        // TBAR variants under their own names, so one benchmark compares them side by side
        REGISTRY.put("tbar-project", c -> new Tbar(c.tbar().withVariants(true, false, false), "tbar-project"));
        REGISTRY.put("tbar-layerwise", c -> new Tbar(c.tbar().withVariants(false, true, false), "tbar-layerwise"));
        REGISTRY.put("tbar-linearized", c -> new Tbar(c.tbar().withVariants(false, false, true),
                "tbar-linearized"));
        REGISTRY.put("finetune", c -> new FineTune(c.finetune()));
        REGISTRY.put(TbarInverted.NAME, c -> new TbarInverted(c.invert(), c.tbar()));
        REGISTRY.put(NcUnlearn.NAME, c -> new NcUnlearn(c.invert(), c.ncUnlearn()));
        REGISTRY.put("fine-pruning", c -> new FinePruning(c.finePruning()));
        REGISTRY.put("cleanclip", c -> new CleanClip(c.cleanclip()));
    }

    private Defenses() {}

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
