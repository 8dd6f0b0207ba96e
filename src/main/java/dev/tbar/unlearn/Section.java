package dev.tbar.unlearn;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tbar.config.Configs;
import java.util.List;

/**
 * One section of the config file that a defense reads: its key ({@code tbar}, {@code ft_sam}, ...), the record it
 * binds to and that record's defaults. A defense declares its sections in {@link Defenses}; the experiment config
 * has one top-level key per registered section.
 */
public record Section<C>(String key, Class<C> type, C defaults) {
    /** The defaults with {@code key=value} overrides (keys without the section prefix), validated like a file. */
    public C with(String... overrides) {
        return with(defaults, overrides);
    }

    /** {@code base} with {@code key=value} overrides (keys without the section prefix). */
    public C with(C base, String... overrides) {
        return Configs.load(type, base, null, List.of(overrides), key);
    }

    /** The section's value from a config tree, on top of the defaults; errors name {@code key.the.key}. */
    C bind(JsonNode node) {
        return Configs.merged(type, defaults, node, key);
    }
}
