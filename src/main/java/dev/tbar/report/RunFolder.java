package dev.tbar.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tbar.TbarException;
import dev.tbar.util.AtomicFiles;
import dev.tbar.util.Errors;
import dev.tbar.util.Hashing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A run's output folder ({@code --out DIR}). Every file is written atomically (temporary sibling, then rename), so
 * a crash leaves old or new files, never half-written ones. Opening refuses a non-empty folder that is not an
 * earlier tbar run (it has no tbar {@code manifest.json}) unless forced, so a typo cannot scatter outputs among a
 * user's files. Reusing an earlier run's folder replaces same-named files and deletes nothing.
 */
public final class RunFolder {
    public static final String OUT_OPTION = "--out";
    public static final String FORCE_OPTION = "--force";

    private final Path dir;
    private final boolean previousRun;

    private RunFolder(Path dir, boolean previousRun) {
        this.dir = dir;
        this.previousRun = previousRun;
    }

    /** Opens (creating if needed) {@code dir}; {@code force} allows a non-empty folder that is not a tbar run. */
    public static RunFolder open(Path dir, boolean force) {
        Path abs = dir.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new TbarException(OUT_OPTION + " " + dir + ": exists and is not a directory; expected a new or"
                    + " empty directory, or an earlier tbar run's folder");
        }
        try {
            Files.createDirectories(abs);
        } catch (IOException e) {
            throw new TbarException(OUT_OPTION + " " + dir + ": cannot create directory: " + Errors.reason(e), e);
        }
        if (!Files.isWritable(abs)) {
            throw new TbarException(OUT_OPTION + " " + dir + ": directory is not writable");
        }
        List<String> entries = entries(abs);
        if (entries.isEmpty()) {
            return new RunFolder(abs, false);
        }
        String why = notATbarRun(abs.resolve(Manifest.FILE));
        if (why == null) {
            return new RunFolder(abs, true);
        }
        if (force) {
            return new RunFolder(abs, false);
        }
        throw new TbarException(OUT_OPTION + " " + dir + ": directory is not empty (" + entries.size()
                + " entries, e.g. '" + entries.get(0) + "') and is not an earlier tbar run (" + why + "); choose a"
                + " new or empty directory, or pass " + FORCE_OPTION + " to write into it anyway");
    }

    /** Why {@code manifest} does not mark a tbar run, or null if it does. */
    private static String notATbarRun(Path manifest) {
        if (!Files.isRegularFile(manifest)) {
            return "it has no " + Manifest.FILE;
        }
        try {
            JsonNode tool = Json.read(manifest).path("tool");
            return Manifest.TOOL.equals(tool.asText(null)) ? null
                    : "its " + Manifest.FILE + " has no \"tool\": \"" + Manifest.TOOL + "\"";
        } catch (TbarException e) {
            return "its " + Manifest.FILE + " is not valid JSON";
        }
    }

    private static List<String> entries(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException | UncheckedIOException e) {
            throw new TbarException(OUT_OPTION + " " + dir + ": cannot list directory: " + Errors.reason(e), e);
        }
    }

    /** The folder (absolute). */
    public Path dir() {
        return dir;
    }

    /** Whether the folder already held an earlier tbar run when opened. */
    public boolean previousRun() {
        return previousRun;
    }

    /**
     * The path of {@code name} inside the folder, for writers that take a path (they should write atomically).
     * {@code name} is relative ('/'-separated subfolders allowed) and must stay inside the folder.
     */
    public Path path(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("run-folder file name must not be blank");
        }
        Path p = dir.resolve(name).normalize();
        if (Path.of(name).isAbsolute() || !p.startsWith(dir) || p.equals(dir)) {
            throw new IllegalArgumentException("run-folder file name must be relative and inside " + dir + ": "
                    + name);
        }
        return p;
    }

    public Path write(String name, AtomicFiles.Writer writer) {
        Path p = path(name);
        AtomicFiles.write(p, writer);
        return p;
    }

    public Path writeString(String name, String text) {
        return write(name, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    public Path writeBytes(String name, byte[] bytes) {
        return write(name, out -> out.write(bytes));
    }

    /** Pretty JSON (see {@link Json}); e.g. {@code results.json} from a results record. */
    public Path writeJson(String name, Object value) {
        String text = Json.pretty(value);
        return writeString(name, text);
    }

    /**
     * Runs {@code body} as this folder's recorded run: the manifest is written before it starts and again when it
     * ends, marked completed or failed with the error, so an interrupted run is never taken for a finished one.
     */
    public <T> T record(Manifest manifest, java.util.function.Supplier<T> body) {
        writeManifest(manifest);
        try {
            T result = body.get();
            manifest.completed();
            return result;
        } catch (RuntimeException | Error e) {
            manifest.failed(e);
            throw e;
        } finally {
            writeManifest(manifest);
        }
    }

    /** Writes {@code manifest.json}, listing every other file in the folder with its SHA-256. */
    public Path writeManifest(Manifest manifest) {
        return writeJson(Manifest.FILE, manifest.snapshot(outputs()));
    }

    /**
     * Relative path -> SHA-256 of every regular file in the folder except the manifest and hidden files (the
     * atomic writer's temporaries start with a dot), sorted by path.
     */
    public Map<String, String> outputs() {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(Files::isRegularFile).forEach(files::add);
        } catch (IOException | UncheckedIOException e) {
            throw new TbarException(dir + ": cannot list run folder: " + Errors.reason(e), e);
        }
        Map<String, String> out = new LinkedHashMap<>();
        files.stream()
                .map(dir::relativize)
                .filter(rel -> !rel.toString().equals(Manifest.FILE) && !hidden(rel))
                .map(rel -> rel.toString().replace('\\', '/'))
                .sorted()
                .forEach(rel -> out.put(rel, Hashing.sha256(dir.resolve(rel))));
        return out;
    }

    private static boolean hidden(Path rel) {
        for (Path part : rel) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }
}
