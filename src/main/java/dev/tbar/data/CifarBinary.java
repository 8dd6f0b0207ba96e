package dev.tbar.data;

import dev.tbar.TbarException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CIFAR-10 binary release ({@code cifar-10-batches-bin/}) from a directory or archive: {@code data_batch_1.bin}
 * .. {@code data_batch_5.bin} (train) and {@code test_batch.bin} (test), each a sequence of 3,073-byte records (one
 * label byte, then 32x32 pixels stored as R, G and B planes), and {@code batches.meta.txt} with one class name per
 * line. The standard CIFAR-10 names are used when the meta file is absent.
 */
public final class CifarBinary {
    public static final List<String> CIFAR10_CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer",
            "dog", "frog", "horse", "ship", "truck");
    static final int SIDE = 32;
    static final int RECORD = 1 + 3 * SIDE * SIDE;
    private static final Pattern FILE = Pattern.compile("(.*/)?(data_batch_[1-5]\\.bin|test_batch\\.bin|"
            + "batches\\.meta\\.txt)");

    private CifarBinary() {}

    /** Reads split {@code train} (the five data batches, in order) or {@code test} of {@code source}. */
    public static InMemoryDataset read(Path source, String split) {
        Map<String, byte[]> files = new HashMap<>();
        Map<String, String> where = new HashMap<>();
        FileTree.walk(source, p -> FILE.matcher(p).matches(), (path, content) -> {
            Matcher m = FILE.matcher(path);
            m.matches();
            String name = m.group(2);
            String before = where.put(name, path);
            if (before != null) {
                throw new TbarException(source + ": " + name + " found twice (" + before + " and " + path
                        + "); point data.path at one cifar-10-batches-bin folder");
            }
            files.put(name, content);
        });
        List<String> names = split.equals("train")
                ? List.of("data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                        "data_batch_5.bin")
                : List.of("test_batch.bin");
        for (String n : names) {
            if (!files.containsKey(n)) {
                throw new TbarException(source + ": CIFAR-10 binary file " + n + " not found (expected "
                        + "cifar-10-batches-bin/ with data_batch_1.bin .. data_batch_5.bin and test_batch.bin)");
            }
        }
        List<String> classes = files.containsKey("batches.meta.txt")
                ? classNames(source + "!" + where.get("batches.meta.txt"), files.get("batches.meta.txt"))
                : CIFAR10_CLASSES;
        List<byte[]> images = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (String n : names) {
            byte[] data = files.get(n);
            String file = source + "!" + where.get(n);
            if (data.length == 0 || data.length % RECORD != 0) {
                throw new TbarException(file + ": " + data.length + " bytes is not a whole number of " + RECORD
                        + "-byte records (1 label byte + 3072 pixel bytes)");
            }
            for (int off = 0; off < data.length; off += RECORD) {
                int label = data[off] & 0xff;
                if (label >= classes.size()) {
                    throw new TbarException(file + ": record " + off / RECORD + " has label " + label
                            + ", expected 0.." + (classes.size() - 1));
                }
                labels.add(label);
                images.add(Arrays.copyOfRange(data, off + 1, off + RECORD));
            }
        }
        return new InMemoryDataset(3, SIDE, SIDE, images.toArray(new byte[0][]),
                labels.stream().mapToInt(Integer::intValue).toArray(), classes, "CIFAR-10 binary "
                        + source.getFileName() + " [" + split + "], " + images.size() + " images, " + classes.size()
                        + " classes, 32px");
    }

    private static List<String> classNames(String file, byte[] content) {
        List<String> out = new ArrayList<>();
        for (String line : new String(content, StandardCharsets.UTF_8).split("\r?\n")) {
            if (!line.isBlank()) {
                out.add(line.trim());
            }
        }
        if (out.isEmpty() || out.size() > 256) {
            throw new TbarException(file + ": expected one class name per line (1 to 256 names), got " + out.size());
        }
        return out;
    }
}
