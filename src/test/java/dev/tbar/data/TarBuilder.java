package dev.tbar.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorOutputStream;

/** Builds small test archives (and matching directories) entry by entry, in insertion order. */
final class TarBuilder {
    private final Map<String, byte[]> entries = new LinkedHashMap<>();

    TarBuilder add(String path, byte[] content) {
        entries.put(path, content);
        return this;
    }

    TarBuilder add(String path, String text) {
        return add(path, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Writes a .tar, .tar.gz or .tar.xz by the name of {@code file}. */
    Path writeTar(Path file) throws IOException {
        String name = file.getFileName().toString();
        try (OutputStream raw = Files.newOutputStream(file);
                OutputStream comp = name.endsWith(".gz") ? new GzipCompressorOutputStream(raw)
                        : name.endsWith(".xz") ? new XZCompressorOutputStream(raw) : raw;
                TarArchiveOutputStream tar = new TarArchiveOutputStream(comp)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (var e : entries.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
                entry.setSize(e.getValue().length);
                tar.putArchiveEntry(entry);
                tar.write(e.getValue());
                tar.closeArchiveEntry();
            }
        }
        return file;
    }

    Path writeDir(Path dir) throws IOException {
        for (var e : entries.entrySet()) {
            Path p = dir.resolve(e.getKey());
            Files.createDirectories(p.getParent());
            Files.write(p, e.getValue());
        }
        return dir;
    }

    /** A w x h PNG whose pixel (x, y) has the given RGB. */
    static byte[] png(int w, int h, java.util.function.IntBinaryOperator rgb) {
        return encode(w, h, rgb, "png");
    }

    /** A binary PPM (P6) image. */
    static byte[] ppm(int w, int h, java.util.function.IntBinaryOperator rgb) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] head = ("P6\n" + w + " " + h + "\n255\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.writeBytes(head);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = rgb.applyAsInt(x, y);
                out.write(p >> 16);
                out.write(p >> 8);
                out.write(p);
            }
        }
        return out.toByteArray();
    }

    private static byte[] encode(int w, int h, java.util.function.IntBinaryOperator rgb, String format) {
        var img = new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb.applyAsInt(x, y));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            javax.imageio.ImageIO.write(img, format, out);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }
}
