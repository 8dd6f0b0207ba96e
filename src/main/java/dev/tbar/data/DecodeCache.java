package dev.tbar.data;

import dev.tbar.TbarException;
import dev.tbar.util.AtomicFiles;
import dev.tbar.util.Errors;
import dev.tbar.util.Hashing;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An on-disk cache of decoded datasets, so that re-opening GTSRB or CIFAR-10 skips archive and image decoding.
 *
 * <p>Location: {@code data.cache} when it names a directory, else {@code $TBAR_CACHE_DIR}, else
 * {@code ~/.cache/tbar/datasets}; {@code data.cache: off} disables it. One file per (format, absolute path, split,
 * decode options, source fingerprint), named by the SHA-256 of those: the fingerprint is size + modification time
 * of an archive, or of every file under a directory, so changed data is decoded afresh. A file holds the 8-bit
 * pixels, labels and class names followed by a SHA-256 of its content; it is written atomically, and one that is
 * truncated or corrupt is ignored and rebuilt. Stale files are never deleted automatically.
 */
public final class DecodeCache {
    private static final Logger LOG = LoggerFactory.getLogger(DecodeCache.class);
    private static final byte[] MAGIC = {'T', 'B', 'A', 'R', 'D', 'C', '0', '1'};
    /** Bump when a reader's output changes, so old entries stop matching. */
    static final int VERSION = 1;

    private DecodeCache() {}

    /** The cache directory for {@code cfg}, or null when caching is off. */
    public static Path directory(DatasetConfig cfg) {
        String c = cfg.cache();
        if (c.equals("off")) {
            return null;
        }
        if (!c.equals("auto")) {
            return Path.of(c);
        }
        String env = System.getenv("TBAR_CACHE_DIR");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "tbar", "datasets");
    }

    /** The cached dataset for this configuration and source, or {@code decode}'s result, stored for next time. */
    static InMemoryDataset open(DatasetConfig cfg, String split, Path source, Supplier<InMemoryDataset> decode) {
        Path dir = directory(cfg);
        if (dir == null) {
            return decode.get();
        }
        Path file = dir.resolve(key(cfg, split, source) + ".bin");
        if (Files.isRegularFile(file)) {
            try {
                return read(file);
            } catch (IOException | RuntimeException e) {
                LOG.warn("ignoring unreadable decode cache {} ({}); decoding {} again", file, e.getMessage(), source);
            }
        }
        InMemoryDataset ds = decode.get();
        try {
            write(file, ds);
        } catch (TbarException e) {
            LOG.warn("could not write decode cache ({}); continuing without it", e.getMessage());
        }
        return ds;
    }

    static String key(DatasetConfig cfg, String split, Path source) {
        Path abs = source.toAbsolutePath().normalize();
        return Hashing.sha256(String.join("\n", "v" + VERSION, cfg.format(), abs.toString(), split,
                "size=" + cfg.imageSize(), "roi=" + cfg.cropRoi(), "channels=" + cfg.channels(), fingerprint(abs)));
    }

    /** Size and modification time of a file, or of every regular file under a directory. */
    static String fingerprint(Path source) {
        try {
            if (!Files.isDirectory(source)) {
                BasicFileAttributes a = Files.readAttributes(source, BasicFileAttributes.class);
                return a.size() + "@" + a.lastModifiedTime().toMillis();
            }
            List<String> lines = new ArrayList<>();
            try (Stream<Path> s = Files.walk(source)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    if (a.isRegularFile()) {
                        lines.add(source.relativize(p) + " " + a.size() + "@" + a.lastModifiedTime().toMillis());
                    }
                }
            }
            lines.sort(null);
            return Hashing.sha256(String.join("\n", lines));
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new TbarException(source + ": cannot read dataset: " + Errors.reason(e), e);
        }
    }

    static void write(Path file, InMemoryDataset ds) {
        AtomicFiles.write(file, raw -> {
            MessageDigest md = sha256();
            DataOutputStream out = new DataOutputStream(new DigestOutputStream(raw, md));
            out.write(MAGIC);
            out.writeInt(ds.channels());
            out.writeInt(ds.height());
            out.writeInt(ds.width());
            out.writeInt(ds.size());
            out.writeInt(ds.numClasses());
            for (String c : ds.classes()) {
                out.writeUTF(c);
            }
            out.writeUTF(ds.describe());
            for (int i = 0; i < ds.size(); i++) {
                out.writeInt(ds.label(i));
            }
            for (int i = 0; i < ds.size(); i++) {
                out.write(ds.bytes(i));
            }
            out.flush();
            raw.write(md.digest());
        });
    }

    /** Reads a cache file, checking its structure against its length and its checksum. */
    static InMemoryDataset read(Path file) throws IOException {
        long length = Files.size(file);
        MessageDigest md = sha256();
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            DataInputStream in = new DataInputStream(new DigestInputStream(raw, md));
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IOException("not a tbar decode cache file");
            }
            int c = in.readInt();
            int h = in.readInt();
            int w = in.readInt();
            int n = in.readInt();
            int k = in.readInt();
            long per = (long) c * h * w;
            // bound every count by the file length before allocating anything
            if (c <= 0 || h <= 0 || w <= 0 || n < 0 || k <= 0 || k > length || per * n + 4L * n > length) {
                throw new IOException("bad header");
            }
            List<String> classes = new ArrayList<>();
            for (int i = 0; i < k; i++) {
                classes.add(in.readUTF());
            }
            String description = in.readUTF();
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = in.readInt();
            }
            byte[][] images = new byte[n][(int) per];
            for (byte[] im : images) {
                in.readFully(im);
            }
            byte[] expected = md.digest();
            byte[] stored = new byte[expected.length];
            raw.readNBytes(stored, 0, stored.length);
            if (!Arrays.equals(expected, stored) || raw.read() != -1) {
                throw new IOException("checksum mismatch");
            }
            return new InMemoryDataset(c, h, w, images, labels, classes, description);
        } catch (EOFException e) {
            throw new IOException("truncated", e);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }
}
