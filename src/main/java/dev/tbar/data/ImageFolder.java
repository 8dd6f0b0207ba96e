package dev.tbar.data;

import dev.tbar.TbarException;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * The ImageFolder layout, {@code <split>/<class>/<file>}, from a directory or a tar archive. Classes are the sorted
 * folder names (label = index), files are sorted within a class, and every image is resized to a square size.
 */
public final class ImageFolder {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ImageFolder.class);

    private ImageFolder() {}

    /**
     * Reads split {@code split} (e.g. {@code train}; empty for a tree whose top level is the classes) of
     * {@code source}, resizing to {@code size} x {@code size}.
     */
    public static InMemoryDataset read(Path source, String split, int size) {
        return read(source, split, size, false);
    }

    /**
     * As {@link #read(Path, String, int)}; with {@code skipUnreadable}, files that do not decode are left out, each
     * named in a warning, instead of stopping the read at the first.
     */
    public static InMemoryDataset read(Path source, String split, int size, boolean skipUnreadable) {
        String prefix = split.isEmpty() ? "" : split + "/";
        TreeMap<String, TreeMap<String, byte[]>> byClass = new TreeMap<>();
        FileTree.walk(source, p -> p.startsWith(prefix) && isImage(p), (path, content) -> {
            String rest = path.substring(prefix.length());
            int slash = rest.indexOf('/');
            if (slash <= 0 || rest.indexOf('/', slash + 1) >= 0) {
                return; // not <class>/<file>
            }
            byClass.computeIfAbsent(rest.substring(0, slash), k -> new TreeMap<>()).put(rest, content);
        });
        if (byClass.isEmpty()) {
            throw new TbarException(source + ": no images found under '" + prefix
                    + "<class>/<file>' (expected an ImageFolder layout with JPEG, PNG or PPM files)");
        }
        List<String> classes = new ArrayList<>(byClass.keySet());
        List<byte[]> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            for (var e : byClass.get(classes.get(c)).entrySet()) {
                BufferedImage img;
                try {
                    img = ImageCodec.decode(e.getValue(), source + "!" + prefix + e.getKey());
                } catch (TbarException bad) {
                    if (!skipUnreadable) {
                        throw bad;
                    }
                    LOG.warn("skipped: {}", bad.getMessage());
                    continue;
                }
                img = ImageCodec.resize(img, 0, 0, img.getWidth(), img.getHeight(), size);
                images.add(ImageCodec.toChw(img));
                labels.add(c);
            }
        }
        return new InMemoryDataset(3, size, size, images.toArray(new byte[0][]),
                labels.stream().mapToInt(Integer::intValue).toArray(), classes,
                "ImageFolder " + source.getFileName() + (split.isEmpty() ? "" : " [" + split + "]") + ", "
                        + images.size() + " images, " + classes.size() + " classes, " + size + "px");
    }

    private static boolean isImage(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        return p.endsWith(".jpg") || p.endsWith(".jpeg") || p.endsWith(".png") || p.endsWith(".ppm");
    }
}
