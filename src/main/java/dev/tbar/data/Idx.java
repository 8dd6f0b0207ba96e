package dev.tbar.data;

import dev.tbar.TbarException;
import dev.tbar.util.Errors;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * The IDX format of MNIST and Fashion-MNIST: {@code train-images-idx3-ubyte} / {@code train-labels-idx1-ubyte}
 * and {@code t10k-*} for test, plain or gzip'd ({@code .gz}), in a directory or archive. Images are grey. Class
 * names are Fashion-MNIST's when the path names "fashion", else the label numbers.
 */
public final class Idx {
    public static final List<String> FASHION_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    private static final Pattern FILE = Pattern.compile("(.*/)?((train|t10k)-(images-idx3|labels-idx1)-ubyte)"
            + "(\\.gz)?");
    /** Largest payload accepted: far above any IDX image set, far below what a corrupt header could claim. */
    static final long MAX_BYTES = Integer.MAX_VALUE - 64;

    private Idx() {}

    /** A parsed IDX file: dimensions after the count, and the unsigned-byte payload. */
    record Tensor(int count, int[] dims, byte[] data) {}

    /** Reads split {@code train} or {@code test} ({@code t10k}) of {@code source}. */
    public static InMemoryDataset read(Path source, String split) {
        String prefix = split.equals("train") ? "train" : "t10k";
        Map<String, String> where = new HashMap<>();
        Map<String, Tensor> parsed = new HashMap<>();
        FileTree.walk(source, p -> FILE.matcher(p).matches(), (path, content) -> {
            Matcher m = FILE.matcher(path);
            m.matches();
            if (!m.group(3).equals(prefix)) {
                return;
            }
            String kind = m.group(4).startsWith("images") ? "images" : "labels";
            String before = where.put(kind, path);
            if (before != null) {
                throw new TbarException(source + ": two " + prefix + " " + kind + " files (" + before + " and " + path
                        + ")");
            }
            parsed.put(kind, parse(source + "!" + path, content, kind.equals("images") ? 3 : 1));
        });
        for (String kind : List.of("images", "labels")) {
            if (!parsed.containsKey(kind)) {
                throw new TbarException(source + ": " + prefix + "-" + kind + "-idx" + (kind.equals("images") ? 3 : 1)
                        + "-ubyte[.gz] not found (expected MNIST-style IDX files)");
            }
        }
        Tensor images = parsed.get("images");
        Tensor labels = parsed.get("labels");
        if (images.count != labels.count) {
            throw new TbarException(source + ": " + where.get("images") + " holds " + images.count + " images but "
                    + where.get("labels") + " holds " + labels.count + " labels");
        }
        int max = 0;
        int[] y = new int[labels.count];
        for (int i = 0; i < y.length; i++) {
            y[i] = labels.data[i] & 0xff;
            max = Math.max(max, y[i]);
        }
        boolean fashion = source.toAbsolutePath().toString().toLowerCase(Locale.ROOT).contains("fashion");
        List<String> classes = new ArrayList<>();
        if (fashion && max < FASHION_CLASSES.size()) {
            classes.addAll(FASHION_CLASSES);
        } else {
            for (int c = 0; c <= Math.max(9, max); c++) {
                classes.add(Integer.toString(c));
            }
        }
        int h = images.dims[0];
        int w = images.dims[1];
        byte[][] x = new byte[images.count][];
        for (int i = 0; i < x.length; i++) {
            x[i] = java.util.Arrays.copyOfRange(images.data, i * h * w, (i + 1) * h * w);
        }
        return new InMemoryDataset(1, h, w, x, y, classes, (fashion ? "Fashion-MNIST" : "IDX") + " "
                + source.getFileName() + " [" + split + "], " + x.length + " images, " + classes.size() + " classes, "
                + h + "x" + w + " grey");
    }

    /** By content, not name: IDX data starts with two zero bytes, gzip with 1f 8b. */
    private static boolean gzipped(byte[] content) {
        return content.length >= 2 && (content[0] & 0xff) == 0x1f && (content[1] & 0xff) == 0x8b;
    }

    /**
     * Parses an IDX file of unsigned bytes with {@code rank} dimensions. The header is checked against the data
     * before anything large is allocated: the payload must be exactly count x dims bytes.
     */
    static Tensor parse(String file, byte[] content, int rank) {
        try (InputStream raw = new ByteArrayInputStream(content);
                InputStream in = gzipped(content) ? new GZIPInputStream(raw, 1 << 16) : raw) {
            DataInputStream d = new DataInputStream(in);
            int magic = d.readInt();
            if (magic != (0x0800 | rank)) {
                throw new TbarException(file + ": IDX magic number 0x" + String.format("%08x", magic)
                        + ", expected 0x" + String.format("%08x", 0x0800 | rank) + " (unsigned bytes, " + rank
                        + " dimension" + (rank > 1 ? "s" : "") + ")");
            }
            int count = d.readInt();
            int[] dims = new int[rank - 1];
            long total = Math.max(count, 0);
            for (int k = 0; k < dims.length; k++) {
                dims[k] = d.readInt();
                if (dims[k] <= 0 || dims[k] > 4096) {
                    throw new TbarException(file + ": IDX dimension " + (k + 2) + " is " + dims[k]
                            + ", expected 1..4096");
                }
                total *= dims[k];
            }
            if (count <= 0 || total > MAX_BYTES) {
                throw new TbarException(file + ": IDX header claims " + count + " items (" + total
                        + " bytes), expected 1 or more items and at most " + MAX_BYTES + " bytes");
            }
            byte[] data = in.readNBytes((int) total); // grows as it reads: a lying header allocates little
            if (data.length != total) {
                throw new TbarException(file + ": IDX header promises " + total + " data bytes (" + count
                        + " items) but the file holds " + data.length);
            }
            if (in.read() != -1) {
                throw new TbarException(file + ": IDX file is longer than its header says (" + count + " items)");
            }
            return new Tensor(count, dims, data);
        } catch (EOFException e) {
            throw new TbarException(file + ": IDX header truncated", e);
        } catch (IOException e) {
            throw new TbarException(file + ": cannot read IDX data: " + Errors.reason(e), e);
        }
    }
}
