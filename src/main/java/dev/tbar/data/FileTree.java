package dev.tbar.data;

import dev.tbar.TbarException;
import dev.tbar.util.Errors;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * Walks the regular files of a directory or a tar archive ({@code .tar}, {@code .tar.gz}/{@code .tgz},
 * {@code .tar.xz}) with the same relative, '/'-separated paths, so readers work on either without extracting.
 */
public final class FileTree {
    /** Entries larger than this are refused: no image or label file of a supported dataset comes close. */
    static final long MAX_ENTRY_BYTES = 256L * 1024 * 1024;

    private FileTree() {}

    /** Receives one file. */
    @FunctionalInterface
    public interface Visitor {
        void visit(String relativePath, byte[] content) throws IOException;
    }

    /** Calls {@code visitor} for each regular file whose relative path {@code filter} accepts. */
    public static void walk(Path source, java.util.function.Predicate<String> filter, Visitor visitor) {
        if (!Files.exists(source)) {
            throw new TbarException(source + ": dataset not found (expected a directory or a .tar/.tar.gz/.tar.xz)");
        }
        try {
            if (Files.isDirectory(source)) {
                walkDirectory(source, filter, visitor);
            } else {
                walkTar(source, filter, visitor);
            }
        } catch (IOException e) {
            throw new TbarException(source + ": cannot read dataset: " + Errors.reason(e), e);
        }
    }

    private static void walkDirectory(Path root, java.util.function.Predicate<String> filter, Visitor visitor)
            throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(root)) {
            files = s.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        }
        for (Path f : files) {
            String rel = root.relativize(f).toString().replace('\\', '/');
            if (filter.test(rel)) {
                if (Files.size(f) > MAX_ENTRY_BYTES) {
                    throw new TbarException(f + ": file larger than " + MAX_ENTRY_BYTES + " bytes");
                }
                visitor.visit(rel, Files.readAllBytes(f));
            }
        }
    }

    private static void walkTar(Path archive, java.util.function.Predicate<String> filter, Visitor visitor)
            throws IOException {
        String name = archive.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
                InputStream decompressed = decompress(name, raw, archive);
                TarArchiveInputStream tar = new TarArchiveInputStream(decompressed)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (!e.isFile()) {
                    continue;
                }
                String rel = e.getName().startsWith("./") ? e.getName().substring(2) : e.getName();
                if (!filter.test(rel)) {
                    continue;
                }
                if (e.getSize() > MAX_ENTRY_BYTES) {
                    throw new TbarException(archive + ": entry " + rel + " is larger than " + MAX_ENTRY_BYTES
                            + " bytes");
                }
                visitor.visit(rel, tar.readAllBytes());
            }
        }
    }

    private static InputStream decompress(String name, InputStream raw, Path archive) throws IOException {
        if (name.endsWith(".tar.gz") || name.endsWith(".tgz")) {
            return new GzipCompressorInputStream(raw, true);
        }
        if (name.endsWith(".tar.xz") || name.endsWith(".txz")) {
            return new XZCompressorInputStream(raw);
        }
        if (name.endsWith(".tar")) {
            return raw;
        }
        throw new TbarException(archive + ": unsupported archive type (expected .tar, .tar.gz, .tgz or .tar.xz)");
    }
}
