package dev.tbar.unlearn;

import dev.tbar.TbarException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Defenses by name. Each entry binds a name to the config sections it reads and to its factory; adding a defense is
 * its class (owning its {@link Section}), one line here and a README row.
 */
public final class Defenses {
    /** A registered defense: its name, the sections of the config it reads, and how to build it from them. */
    public record Entry(String name, List<Section<?>> sections, Function<DefenseSettings, Defense> factory) {}

    private static final Map<String, Entry> REGISTRY = new LinkedHashMap<>();
    private static final Map<String, Section<?>> SECTIONS = new LinkedHashMap<>();

    static {
        add("tbar", s -> new Tbar(s.get(Tbar.SECTION)), Tbar.SECTION);
        // TBAR variants under their own names, so one benchmark compares them side by side
        variant("tbar-project", "project_clean=true");
        // per-layer alpha is the default since it won on validation (README); the paper's single alpha stays here
        variant("tbar-global", "per_layer_alpha=false");
        variant("tbar-linearized", "linearized=true");
        variant("tbar-mix", "clean_mix=0.5");
        variant("tbar-no-bn", "bn_recalibration=0");
        variant("tbar-grid", "search=grid");
        variant("tbar-untrimmed", "trim=1");
        variant("tbar-untempered", "temperature=1");
        // the combined vector is the default since it won on validation (README); each of its halves stays here
        variant("tbar-trigger-vector", "vector=trigger");
        variant("tbar-unlearn-vector", "vector=unlearn");
        variant("tbar-best", "vector=best");
        add(TbarEither.NAME, s -> new TbarEither(s.get(Tbar.SECTION)), Tbar.SECTION);
        add("tbar-repair", s -> new Tbar(s.get(Tbar.SECTION), "tbar-repair",
                new Tbar.Plus(s.get(TbarRepair.SECTION), null, null)),
                Tbar.SECTION, TbarRepair.SECTION);
        add("tbar-fisher", s -> new Tbar(s.get(Tbar.SECTION), "tbar-fisher",
                new Tbar.Plus(null, s.get(TbarFisher.SECTION), null)),
                Tbar.SECTION, TbarFisher.SECTION);
        add("tbar-average", s -> new Tbar(s.get(Tbar.SECTION), "tbar-average",
                new Tbar.Plus(null, null, s.get(TbarAverage.SECTION))), Tbar.SECTION, TbarAverage.SECTION);
        add("finetune", s -> new FineTune(s.get(FineTune.SECTION)), FineTune.SECTION);
        add(TbarInverted.NAME, s -> new TbarInverted(s.get(TriggerInversion.SECTION), s.get(Tbar.SECTION)),
                TriggerInversion.SECTION, Tbar.SECTION);
        add(TbarDecree.NAME, s -> new TbarDecree(s.get(TbarDecree.SECTION), s.get(Tbar.SECTION)),
                TbarDecree.SECTION, Tbar.SECTION);
        add(NcUnlearn.NAME, s -> new NcUnlearn(s.get(TriggerInversion.SECTION), s.get(NcUnlearn.SECTION)),
                TriggerInversion.SECTION, NcUnlearn.SECTION);
        add(NcUnlearn.KNOWN_TRIGGER, s -> NcUnlearn.knownTrigger(s.get(NcUnlearn.SECTION)), NcUnlearn.SECTION);
        add("fine-pruning", s -> new FinePruning(s.get(FinePruning.SECTION)), FinePruning.SECTION);
        add("cleanclip", s -> new CleanClip(s.get(CleanClip.SECTION)), CleanClip.SECTION);
        add(FtSam.NAME, s -> new FtSam(s.get(FtSam.SECTION)), FtSam.SECTION);
        add(Fst.NAME, s -> new Fst(s.get(Fst.SECTION)), Fst.SECTION);
        add(Anp.NAME, s -> new Anp(s.get(Anp.SECTION)), Anp.SECTION);
        add(Sau.NAME, s -> new Sau(s.get(Sau.SECTION)), Sau.SECTION);
        add(Ibau.NAME, s -> new Ibau(s.get(Ibau.SECTION)), Ibau.SECTION);
    }

    private Defenses() {}

    private static void add(String name, Function<DefenseSettings, Defense> factory, Section<?>... sections) {
        REGISTRY.put(name, new Entry(name, List.of(sections), factory));
        for (Section<?> s : sections) {
            SECTIONS.putIfAbsent(s.key(), s);
        }
    }

    /** TBAR with one {@code tbar.*} setting overridden (the key as in the config file, without the prefix). */
    private static void variant(String name, String override) {
        add(name, s -> new Tbar(Tbar.SECTION.with(s.get(Tbar.SECTION), override), name), Tbar.SECTION);
    }

    /** The registered defense {@code name}; an unknown name is an error that lists the known ones. */
    public static Entry entry(String name) {
        Entry e = REGISTRY.get(name);
        if (e == null) {
            throw new TbarException("unknown defense '" + name + "'; known defenses: "
                    + String.join(", ", REGISTRY.keySet()));
        }
        return e;
    }

    public static Defense create(String name, DefenseSettings settings) {
        return entry(name).factory().apply(settings);
    }

    /** Fails, naming the first unknown defense and listing the known ones, unless every name is registered. */
    public static void requireKnown(List<String> names) {
        names.forEach(Defenses::entry);
    }

    public static Set<String> names() {
        return Collections.unmodifiableSet(REGISTRY.keySet());
    }

    /** Every section some defense reads, in registration order. */
    static List<Section<?>> sections() {
        return new ArrayList<>(SECTIONS.values());
    }

    /** The keys of every defense section of the config file. */
    public static List<String> sectionKeys() {
        return new ArrayList<>(SECTIONS.keySet());
    }

    static Section<?> section(String key) {
        return SECTIONS.get(key);
    }

    /** The config sections {@code name} reads, by key. */
    public static List<String> sectionsOf(String name) {
        return entry(name).sections().stream().map(Section::key).toList();
    }
}
