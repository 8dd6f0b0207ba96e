package dev.tbar.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.TbarException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void failedWriteKeepsOldContentAndLeavesNoTemporary(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("results.json");
        AtomicFiles.writeString(f, "old");
        assertThrows(TbarException.class, () -> AtomicFiles.write(f, out -> {
            out.write("half".getBytes());
            throw new IOException("disk full");
        }));
        assertEquals("old", Files.readString(f));
        assertEquals(List.of("results.json"), names(dir));
    }

    @Test
    void outputsAreNotOwnerOnly(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("report.md");
        AtomicFiles.writeString(f, "# hi\n");
        assertEquals(List.of("report.md"), names(dir));
        if (Files.getFileStore(f).supportsFileAttributeView("posix")) {
            // the temporary file is created like any new file (umask applies), not 0600 like createTempFile
            Path plain = Files.createFile(dir.resolve("plain"));
            Set<PosixFilePermission> expected = Files.getPosixFilePermissions(plain);
            assertEquals(expected, Files.getPosixFilePermissions(f));
            assertTrue(expected.contains(PosixFilePermission.OWNER_READ));
        }
        assertFalse(names(dir).stream().anyMatch(n -> n.endsWith(".tmp")));
    }
}
