package dev.tbar.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.databind.JsonMappingException;
import dev.tbar.TbarException;
import dev.tbar.util.Errors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Loads configuration records: defaults, then a YAML/JSON file, then {@code key.path=value} overrides, merged as
 * trees and bound once, so unknown keys and wrong types are reported with their dotted path.
 */
public final class Configs {
    /** YAML is a superset of JSON, so one mapper reads both. */
    public static final ObjectMapper YAML = configure(new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)));

    /**
     * snake_case keys, lower-case enums, strict about unknown and duplicate keys, missing primitives and fractions
     * for integers; paths written as plain text (Jackson's default is a file: URI), as a user would type them.
     */
    private static ObjectMapper configure(ObjectMapper m) {
        return m.setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .registerModule(new SimpleModule("tbar-config-text").addSerializer(Path.class,
                        ToStringSerializer.instance))
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT) // target: 3.5 is an error, not 3
                .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
                .enable(SerializationFeature.WRITE_ENUMS_USING_TO_STRING)
                .configure(com.fasterxml.jackson.core.JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN, true);
    }

    private Configs() {}

    public static <T> T load(Class<T> type, T defaults, Path file, List<String> overrides) {
        return load(type, defaults, file, overrides, "");
    }

    /**
     * As {@link #load(Class, Object, Path, List)} for one section of a larger file: errors give keys as
     * {@code section.key}.
     */
    public static <T> T load(Class<T> type, T defaults, Path file, List<String> overrides, String section) {
        ObjectNode tree = YAML.valueToTree(defaults);
        if (file != null) {
            if (!Files.isRegularFile(file)) {
                throw new TbarException("--config " + file + ": file not found");
            }
            try {
                JsonNode user = YAML.readTree(file.toFile());
                if (user != null && !user.isMissingNode() && !user.isNull()) {
                    if (!user.isObject()) {
                        throw new TbarException(file + ": expected a mapping of keys at the top level");
                    }
                    merge(tree, (ObjectNode) user);
                }
            } catch (IOException e) {
                throw new TbarException(file + ": not valid YAML/JSON: " + Errors.reason(e), e);
            }
        }
        for (String o : overrides) {
            set(tree, o);
        }
        return bind(tree, type, file == null ? "configuration" : file.toString(), section);
    }

    /** {@code defaults} with {@code update} (a mapping, or null for none) merged over it, bound as {@code section}. */
    public static <T> T merged(Class<T> type, T defaults, JsonNode update, String section) {
        ObjectNode tree = YAML.valueToTree(defaults);
        if (update != null && !update.isNull() && !update.isMissingNode()) {
            if (!update.isObject()) {
                throw new TbarException("configuration: '" + section + "' must be a section of keys, got " + update);
            }
            merge(tree, (ObjectNode) update);
        }
        return bind(tree, type, "configuration", section);
    }

    /** Applies one {@code a.b.c=value} override; the value is parsed as YAML (numbers, booleans, lists). */
    static void set(ObjectNode tree, String override) {
        int eq = override.indexOf('=');
        if (eq <= 0) {
            throw new TbarException("--set " + override + ": expected key.path=value");
        }
        String[] path = override.substring(0, eq).trim().split("\\.");
        JsonNode value;
        try {
            value = YAML.readTree(override.substring(eq + 1));
        } catch (IOException e) {
            throw new TbarException("--set " + override + ": value is not valid YAML", e);
        }
        ObjectNode node = tree;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode child = node.get(path[i]);
            if (child == null || child.isNull()) {
                child = node.putObject(path[i]);
            } else if (!child.isObject()) {
                throw new TbarException("--set " + override + ": '" + String.join(".", List.of(path).subList(0, i + 1))
                        + "' is not a section");
            }
            node = (ObjectNode) child;
        }
        node.set(path[path.length - 1], value == null || value.isMissingNode()
                ? com.fasterxml.jackson.databind.node.NullNode.instance : value);
    }

    /** Deep merge: objects merge key by key, anything else replaces. */
    static void merge(ObjectNode base, ObjectNode update) {
        update.fields().forEachRemaining(e -> {
            JsonNode old = base.get(e.getKey());
            if (old instanceof ObjectNode && e.getValue() instanceof ObjectNode) {
                merge((ObjectNode) old, (ObjectNode) e.getValue());
            } else {
                base.set(e.getKey(), e.getValue());
            }
        });
    }

    static <T> T bind(JsonNode tree, Class<T> type, String source) {
        return bind(tree, type, source, "");
    }

    private static <T> T bind(JsonNode tree, Class<T> type, String source, String section) {
        String prefix = section.isEmpty() ? "" : section + ".";
        try {
            return YAML.treeToValue(tree, type);
        } catch (UnrecognizedPropertyException e) {
            throw new TbarException(source + ": unknown key '" + prefix + path(e) + "'; known keys here: "
                    + e.getKnownPropertyIds().stream().map(Object::toString).sorted()
                            .collect(Collectors.joining(", ")));
        } catch (InvalidFormatException e) {
            throw new TbarException(source + ": key '" + prefix + path(e) + "' has value " + e.getValue()
                    + ", expected "
                    + e.getTargetType().getSimpleName());
        } catch (MismatchedInputException e) {
            throw new TbarException(source + ": key '" + prefix + path(e) + "' has the wrong type"
                    + (e.getTargetType() != null ? ", expected " + e.getTargetType().getSimpleName() : ""));
        } catch (IOException e) {
            if (e.getCause() instanceof TbarException cause) {
                // A record's own validation: say where in the file the offending section is.
                String where = e instanceof JsonMappingException m && !m.getPath().isEmpty()
                        ? prefix + path(m) + ": " : "";
                throw new TbarException(source + ": " + where + cause.getMessage(), cause);
            }
            String where = e instanceof JsonMappingException m ? " at '" + prefix + path(m) + "'" : "";
            throw new TbarException(source + ": invalid configuration" + where + ": " + Errors.reason(e));
        }
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    /**
     * A configuration as the tree the config language spells it (snake_case keys, enums as their config text): what
     * {@link #load} reads back to an equal record, so a manifest's {@code config} block works as a {@code --config}.
     */
    public static JsonNode tree(Object config) {
        return YAML.valueToTree(config);
    }

    /** The resolved configuration as YAML, for {@code --dry-run} and manifests. */
    public static String toYaml(Object config) {
        try {
            return YAML.writeValueAsString(config);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
