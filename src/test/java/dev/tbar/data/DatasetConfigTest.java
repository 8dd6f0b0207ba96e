package dev.tbar.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tbar.TbarException;
import org.junit.jupiter.api.Test;

class DatasetConfigTest {
    /** Configured like the project's config loader: snake_case keys, strict about unknown keys. */
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);

    @Test
    void bindsFromSnakeCaseYaml() throws Exception {
        DatasetConfig c = YAML.readValue("format: gtsrb\npath: /data/gtsrb.tar.xz\nimage_size: 48\ntrain_size: 0\n"
                + "test_size: 0\ncrop_roi: false\nchannels: 3\ncache: off\n", DatasetConfig.class);
        assertEquals(new DatasetConfig("gtsrb", "/data/gtsrb.tar.xz", 48, 0, 0, false, 3, "off"), c);
    }

    @Test
    void roundTripsThroughTheYamlTree() throws Exception {
        for (DatasetConfig c : new DatasetConfig[] {DatasetConfig.synthetic(), DatasetConfig.imageFolder("x.tar"),
                DatasetConfig.of("idx", "fm").withChannels(3).withCache("/tmp/c")}) {
            String yaml = YAML.writeValueAsString(c);
            assertFalse(yaml.contains("synthetic:"), "helper methods are not keys: " + yaml);
            assertTrue(yaml.contains("image_size:"), yaml);
            assertEquals(c, YAML.readValue(yaml, DatasetConfig.class));
        }
    }

    @Test
    void rejectsBadValuesNamingTheKey() {
        var e = assertThrows(ValueInstantiationException.class,
                () -> YAML.readValue("format: jpeg\npath: x\nimage_size: 32\ntrain_size: 0\ntest_size: 0\n"
                        + "crop_roi: true\nchannels: 0\ncache: auto\n", DatasetConfig.class));
        assertTrue(e.getCause() instanceof TbarException);
        assertTrue(e.getCause().getMessage().contains("data.format"), e.getCause().getMessage());
        assertThrows(TbarException.class, () -> DatasetConfig.synthetic().withImageSize(4));
        assertThrows(TbarException.class, () -> DatasetConfig.synthetic().withChannels(2));
        assertThrows(TbarException.class, () -> new DatasetConfig("synthetic", "", 32, 0, 10, true, 0, "auto"));
        var missing = assertThrows(TbarException.class, () -> DatasetConfig.imageFolder("").requirePath());
        assertTrue(missing.getMessage().contains("data.path"), missing.getMessage());
        var absent = assertThrows(TbarException.class,
                () -> DatasetConfig.of("gtsrb", "/no/such/gtsrb.tar.xz").requirePath());
        assertTrue(absent.getMessage().contains("/no/such/gtsrb.tar.xz"), absent.getMessage());
        assertEquals("auto", new DatasetConfig("idx", null, 32, 0, 0, true, 0, null).cache());
    }
}
