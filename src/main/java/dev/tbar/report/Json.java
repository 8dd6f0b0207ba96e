package dev.tbar.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import dev.tbar.TbarException;
import dev.tbar.util.AtomicFiles;
import dev.tbar.util.Errors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * The one JSON style of tbar's outputs: pretty, two-space indent, {@code "key": value}, a final newline, records
 * and maps in declaration/insertion order. Paths are written as plain paths (Jackson's default is a file URI) and
 * java.time values as ISO-8601 text. NaN and infinities are written as the strings "NaN"/"Infinity" (Jackson's
 * default), so every file stays valid JSON.
 */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new SimpleModule("tbar-text")
                    .addSerializer(Path.class, ToStringSerializer.instance)
                    .addSerializer(Instant.class, ToStringSerializer.instance)
                    .addSerializer(Duration.class, ToStringSerializer.instance))
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private static final ObjectWriter PRETTY = MAPPER.writer(new DefaultPrettyPrinter()
            .withSeparators(Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE.withLinefeed("\n")));

    private Json() {}

    /** The shared mapper (thread-safe once configured; do not reconfigure it). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Pretty JSON text of {@code value}, ending in a newline. */
    public static String pretty(Object value) {
        try {
            return PRETTY.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialise " + value.getClass().getName() + " to JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /** A tree view of {@code value} (how configs are embedded in the manifest). */
    public static JsonNode tree(Object value) {
        try {
            return MAPPER.valueToTree(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot serialise " + value.getClass().getName() + " to JSON: "
                    + e.getMessage(), e);
        }
    }

    /** Writes {@code value} as pretty JSON to {@code file}, atomically. */
    public static void write(Path file, Object value) {
        String text = pretty(value);
        AtomicFiles.write(file, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Field {@code key} of a stored result object, for readers of run folders: the camelCase key tbar writes, else
     * its snake_case spelling, which defense {@code details} used in folders written before one key convention was
     * applied to every result file; a missing node if neither is there (or {@code node} is not an object).
     */
    public static JsonNode field(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null) {
            v = node.get(snakeCase(key));
        }
        return v != null ? v : MissingNode.getInstance();
    }

    /** {@code validationCaFloor} -> {@code validation_ca_floor}, {@code maskL1} -> {@code mask_l1}. */
    static String snakeCase(String camel) {
        StringBuilder sb = new StringBuilder(camel.length() + 4);
        for (int i = 0; i < camel.length(); i++) {
            char c = camel.charAt(i);
            if (Character.isUpperCase(c) && i > 0) {
                sb.append('_');
            }
            sb.append(Character.toLowerCase(c));
        }
        return sb.toString();
    }

    /** Reads a JSON file; a syntax error names the file. */
    public static JsonNode read(Path file) {
        try {
            JsonNode node = MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
            if (node == null || node.isMissingNode()) {
                throw new TbarException(file + ": not valid JSON: the file is empty");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new TbarException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new TbarException(file + ": cannot read: " + Errors.reason(e), e);
        }
    }
}
