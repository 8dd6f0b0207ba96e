package dev.tbar.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tbar.TbarException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HashingTest {
    // FIPS 180-2 test vector
    private static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @Test
    void fileHashMatchesKnownVector(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("abc.txt");
        Files.writeString(f, "abc");
        assertEquals(ABC, Hashing.sha256(f));
        assertEquals(ABC, Hashing.sha256("abc"));
        assertEquals(ABC, Hashing.sha256("abc".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void directoryHashIsTheSortedSha256sumListing(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("b/sub"));
        Files.writeString(dir.resolve("b/sub/x.bin"), "xyz");
        Files.writeString(dir.resolve("a.txt"), "abc");
        String listing = Hashing.listing(dir);
        assertEquals(ABC + "  a.txt\n" + Hashing.sha256("xyz") + "  b/sub/x.bin\n", listing);
        assertEquals(Hashing.sha256(listing), Hashing.sha256(dir));
    }

    @Test
    void directoryHashSeesRenamesAndContentButNotCreationOrder(@TempDir Path root) throws Exception {
        Path one = Files.createDirectories(root.resolve("one"));
        Path two = Files.createDirectories(root.resolve("two"));
        Files.writeString(one.resolve("p"), "1");
        Files.writeString(one.resolve("q"), "2");
        Files.writeString(two.resolve("q"), "2");
        Files.writeString(two.resolve("p"), "1");
        assertEquals(Hashing.sha256(one), Hashing.sha256(two));
        Files.writeString(two.resolve("p"), "changed");
        assertNotEquals(Hashing.sha256(one), Hashing.sha256(two));
        Files.writeString(two.resolve("p"), "1");
        Files.move(two.resolve("q"), two.resolve("r"));
        assertNotEquals(Hashing.sha256(one), Hashing.sha256(two));
    }

    @Test
    void linkedFilesCountByContent(@TempDir Path root) throws Exception {
        Path real = Files.createDirectories(root.resolve("real"));
        Path linked = Files.createDirectories(root.resolve("linked"));
        Files.writeString(real.resolve("img.png"), "pixels");
        Path store = Files.writeString(root.resolve("store.bin"), "pixels");
        try {
            Files.createSymbolicLink(linked.resolve("img.png"), store);
        } catch (UnsupportedOperationException | java.io.IOException e) {
            org.junit.jupiter.api.Assumptions.assumeTrue(false, "SKIPPED: no symbolic links here");
        }
        assertEquals(Hashing.sha256(real), Hashing.sha256(linked));
    }

    @Test
    void missingPathNamesTheFile(@TempDir Path dir) {
        Path missing = dir.resolve("nope.tar");
        TbarException e = assertThrows(TbarException.class, () -> Hashing.sha256(missing));
        assertEquals(true, e.getMessage().contains(missing.toString()), e.getMessage());
    }
}
