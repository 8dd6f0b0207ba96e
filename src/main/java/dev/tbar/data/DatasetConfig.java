package dev.tbar.data;

import dev.tbar.TbarException;
import java.util.List;

/**
 * Where the images come from.
 *
 * @param format {@code synthetic} (generated, no files), {@code imagefolder} ({@code train/<class>/*} and
 *     {@code test/<class>/*} in a directory or tar archive)
 * @param path directory or archive; unused for {@code synthetic}
 * @param imageSize images are resized to imageSize x imageSize
 * @param trainSize synthetic only: number of training images
 * @param testSize synthetic only: number of test images
 */
public record DatasetConfig(String format, String path, int imageSize, int trainSize, int testSize) {
    public static final List<String> FORMATS = List.of("synthetic", "imagefolder");

    public DatasetConfig {
        if (format == null || !FORMATS.contains(format)) {
            throw new TbarException("data.format must be one of " + FORMATS + ", got '" + format + "'");
        }
        if (imageSize < 8) {
            throw new TbarException("data.image_size must be >= 8, got " + imageSize);
        }
    }

    public static DatasetConfig synthetic() {
        return new DatasetConfig("synthetic", "", 32, 6000, 1000);
    }

    public static DatasetConfig imageFolder(String path) {
        return new DatasetConfig("imagefolder", path, 32, 0, 0);
    }

    /** The path to read, checked: a missing one is reported with the option that sets it. */
    public java.nio.file.Path requirePath() {
        if (path == null || path.isBlank()) {
            throw new TbarException("data.path (or --data) is required for data.format " + format);
        }
        return java.nio.file.Path.of(path);
    }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isSynthetic() {
        return format.equals("synthetic");
    }
}
