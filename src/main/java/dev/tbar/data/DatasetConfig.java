package dev.tbar.data;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.tbar.TbarException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the images come from and how they are decoded. Binds from YAML (snake_case keys under {@code data:}).
 *
 * @param format {@code synthetic} (generated, no files), {@code imagefolder} ({@code train/<class>/*} and
 *     {@code test/<class>/*}), {@code gtsrb} (official GTSRB layout), {@code cifar10-bin} (CIFAR-10 binary
 *     batches) or {@code idx} (MNIST / Fashion-MNIST IDX files); each file format reads a directory or a
 *     {@code .tar}/{@code .tar.gz}/{@code .tar.xz} archive
 * @param path directory or archive; unused for {@code synthetic}
 * @param imageSize images are resized (bilinear) to imageSize x imageSize
 * @param trainSize synthetic only: number of training images
 * @param testSize synthetic only: number of test images
 * @param cropRoi gtsrb only: crop each image to its annotated region of interest before resizing
 * @param channels 0 keeps the stored channels; 3 turns grey images into RGB (so CIFAR models run on
 *     Fashion-MNIST), 1 turns colour images into grey (luma)
 * @param cache decoded-image cache: {@code auto} ({@code $TBAR_CACHE_DIR}, else
 *     {@code ~/.cache/tbar/datasets}), {@code off}, or a directory
 */
public record DatasetConfig(String format, String path, int imageSize, int trainSize, int testSize, boolean cropRoi,
        int channels, String cache) {
    public static final List<String> FORMATS = List.of("synthetic", "imagefolder", "gtsrb", "cifar10-bin", "idx");

    public DatasetConfig {
        if (format == null || !FORMATS.contains(format)) {
            throw new TbarException("data.format must be one of " + FORMATS + ", got '" + format + "'");
        }
        path = path == null ? "" : path;
        cache = cache == null || cache.isBlank() ? "auto" : cache;
        if (imageSize < 8 || imageSize > 1024) {
            throw new TbarException("data.image_size must be in 8..1024, got " + imageSize);
        }
        if (format.equals("synthetic") && (trainSize <= 0 || testSize <= 0)) {
            throw new TbarException("data.train_size and data.test_size must be > 0 for data.format synthetic, got "
                    + trainSize + " and " + testSize);
        }
        if (trainSize < 0 || testSize < 0) {
            throw new TbarException("data.train_size and data.test_size must be >= 0, got " + trainSize + " and "
                    + testSize);
        }
        if (channels != 0 && channels != 1 && channels != 3) {
            throw new TbarException("data.channels must be 0 (as stored), 1 or 3, got " + channels);
        }
    }

    /** Generated shapes: 6,000 training and 1,000 test images of 32 px. */
    public static DatasetConfig synthetic() {
        return new DatasetConfig("synthetic", "", 32, 6000, 1000, true, 0, "auto");
    }

    public static DatasetConfig imageFolder(String path) {
        return of("imagefolder", path);
    }

    /** A file format with the defaults: 32 px, ROI crop on, stored channels, cache auto. */
    public static DatasetConfig of(String format, String path) {
        return new DatasetConfig(format, path, 32, 0, 0, true, 0, "auto");
    }

    public DatasetConfig withImageSize(int size) {
        return new DatasetConfig(format, path, size, trainSize, testSize, cropRoi, channels, cache);
    }

    public DatasetConfig withChannels(int c) {
        return new DatasetConfig(format, path, imageSize, trainSize, testSize, cropRoi, c, cache);
    }

    public DatasetConfig withCropRoi(boolean crop) {
        return new DatasetConfig(format, path, imageSize, trainSize, testSize, crop, channels, cache);
    }

    public DatasetConfig withCache(String c) {
        return new DatasetConfig(format, path, imageSize, trainSize, testSize, cropRoi, channels, c);
    }

    /** The path to read, checked: a missing one is reported with the option that sets it. */
    public Path requirePath() {
        if (path.isBlank()) {
            throw new TbarException("data.path (or --data) is required for data.format " + format);
        }
        Path p = Path.of(path);
        if (!java.nio.file.Files.exists(p)) {
            throw new TbarException("data.path " + path + ": not found (data.format " + format
                    + " expects a directory or a .tar/.tar.gz/.tar.xz archive)");
        }
        return p;
    }

    // not a config key: keep it out of the YAML tree that is merged and bound back
    @JsonIgnore
    public boolean isSynthetic() {
        return format.equals("synthetic");
    }
}
