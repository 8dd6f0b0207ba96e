package dev.tbar.util;

import dev.tbar.TbarException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/** SHA-256 fingerprints of inputs (data archives, folders, checkpoints) for run manifests. */
public final class Hashing {
    private Hashing() {}

    /** Lower-case hex SHA-256 of {@code bytes}. */
    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    /** Lower-case hex SHA-256 of the UTF-8 bytes of {@code text}. */
    public static String sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * SHA-256 of a file's bytes, or of a folder's content. For a folder the hash is taken over the text that
     * {@code sha256sum} prints for every regular file below it (symbolic links followed, relative paths with '/',
     * sorted), so it can be checked from a shell: {@code find -L . -type f -printf '%P\n' | LC_ALL=C sort |
     * xargs -d '\n' sha256sum | sha256sum}. Names and contents count; timestamps and permissions do not.
     */
    public static String sha256(Path path) {
        if (Files.isDirectory(path)) {
            return sha256(listing(path));
        }
        if (!Files.isRegularFile(path)) {
            throw new TbarException(path + ": cannot hash: expected an existing file or directory");
        }
        return fileSha256(path);
    }

    private static final java.util.Map<String, String> CONTENT = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * {@link #sha256(Path)}, remembered for this process by absolute path (and, for a file, its size and modification
     * time), so that a benchmark can key every cell on its inputs' content without reading them again each time.
     */
    public static String contentSha256(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        String key = abs.toString();
        try {
            if (Files.isRegularFile(abs)) {
                key += "|" + Files.size(abs) + "|" + Files.getLastModifiedTime(abs).toMillis();
            }
        } catch (IOException e) {
            throw new TbarException(path + ": cannot read for hashing: " + Errors.reason(e), e);
        }
        return CONTENT.computeIfAbsent(key, k -> sha256(abs));
    }

    /** The {@code sha256sum}-style listing of every regular file under {@code dir}, sorted by relative path. */
    static String listing(Path dir) {
        List<String> rel = new ArrayList<>();
        // datasets are often assembled from links: hash what they point to (a link cycle fails cleanly)
        try (Stream<Path> walk = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
            walk.filter(Files::isRegularFile).forEach(p -> rel.add(slashes(dir.relativize(p))));
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new TbarException(dir + ": cannot list directory for hashing: " + Errors.reason(e), e);
        }
        rel.sort(null);
        StringBuilder sb = new StringBuilder();
        for (String r : rel) {
            sb.append(fileSha256(dir.resolve(r))).append("  ").append(r).append('\n');
        }
        return sb.toString();
    }

    private static String fileSha256(Path file) {
        MessageDigest md = digest();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new TbarException(file + ": cannot read file for hashing: " + Errors.reason(e), e);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static String slashes(Path rel) {
        StringBuilder sb = new StringBuilder();
        for (Path part : rel) {
            if (sb.length() > 0) {
                sb.append('/');
            }
            sb.append(part);
        }
        return sb.toString();
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides SHA-256", e);
        }
    }
}
