package dev.tbar.unlearn;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tbar.TbarException;
import dev.tbar.config.Configs;
import dev.tbar.config.ImageBudget;
import dev.tbar.util.Hashing;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The settings of every registered defense: one typed record per {@link Section}, defaults where the config file says
 * nothing. Immutable.
 */
public final class DefenseSettings {
    private final Map<String, Object> sections;

    private DefenseSettings(Map<String, Object> sections) {
        this.sections = Collections.unmodifiableMap(sections);
    }

    /** Every registered section at its defaults. */
    public static DefenseSettings defaults() {
        return of(Map.of(), List.of());
    }

    /**
     * Settings from the config's top-level sections: values may be bound records or config trees (a mapping read
     * from YAML); absent sections take their defaults. A key that is no registered section is an error listing the
     * sections and {@code otherKeys}, the other keys valid beside them.
     */
    public static DefenseSettings of(Map<String, ?> given, Collection<String> otherKeys) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String key : given.keySet()) {
            if (Defenses.section(key) == null) {
                List<String> known = new ArrayList<>(otherKeys);
                known.addAll(Defenses.sectionKeys());
                throw new TbarException("unknown key '" + key + "'; known keys here: "
                        + String.join(", ", known.stream().sorted().toList()));
            }
        }
        for (Section<?> s : Defenses.sections()) {
            Object v = given.get(s.key());
            out.put(s.key(), s.type().isInstance(v) ? v : s.bind(v == null ? null : Configs.YAML.valueToTree(v)));
        }
        return new DefenseSettings(out);
    }

    public <C> C get(Section<C> section) {
        return section.type().cast(sections.get(section.key()));
    }

    /** A copy with {@code section} replaced. */
    public <C> DefenseSettings with(Section<C> section, C value) {
        Map<String, Object> m = new LinkedHashMap<>(sections);
        m.put(section.key(), value);
        return new DefenseSettings(m);
    }

    /** A copy with {@code tbar.ca_threshold=0.9}-style overrides applied, as --set would. */
    public DefenseSettings with(String... overrides) {
        Map<String, Object> m = new LinkedHashMap<>(sections);
        for (String o : overrides) {
            int dot = o.indexOf('.');
            Section<?> s = dot < 0 ? null : Defenses.section(o.substring(0, dot));
            if (s == null) {
                throw new TbarException("'" + o + "': expected section.key=value with a section among "
                        + String.join(", ", Defenses.sectionKeys()));
            }
            m.put(s.key(), override(s, m.get(s.key()), o.substring(dot + 1)));
        }
        return new DefenseSettings(m);
    }

    private static <C> C override(Section<C> s, Object base, String keyValue) {
        return s.with(s.type().cast(base), keyValue);
    }

    /**
     * The same settings with every defense given {@code images} defender images, so that a comparison spends an
     * equal data budget on each.
     */
    public DefenseSettings withImageBudget(int images) {
        Map<String, Object> m = new LinkedHashMap<>();
        sections.forEach((k, v) -> m.put(k, v instanceof ImageBudget<?> b ? b.withImages(images) : v));
        return new DefenseSettings(m);
    }

    /** The sections by key, as the config file spells them. */
    public Map<String, Object> asMap() {
        return sections;
    }

    /**
     * A hash of what defense {@code name} reads (its name and its sections' settings): equal hashes mean a stored
     * result of that defense came from these settings.
     */
    public String hash(String name) {
        Map<String, Object> read = new LinkedHashMap<>();
        read.put("defense", name);
        for (Section<?> s : Defenses.entry(name).sections()) {
            read.put(s.key(), sections.get(s.key()));
        }
        JsonNode tree = Configs.tree(read);
        return Hashing.sha256(tree.toString());
    }
}
