package dev.tbar.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecodeCacheTest {
    @TempDir
    Path tmp;

    private Path cacheFile(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.filter(p -> p.toString().endsWith(".bin")).toList();
            assertEquals(1, files.size(), "one cache file: " + files);
            return files.get(0);
        }
    }

    @Test
    void secondOpenReadsTheCacheAndCorruptFilesAreRebuilt() throws Exception {
        Path data = new TarBuilder()
                .add("train/a/0.png", TarBuilder.png(8, 8, (x, y) -> x * 30))
                .add("train/b/0.png", TarBuilder.png(8, 8, (x, y) -> y * 30 << 8))
                .writeTar(tmp.resolve("d.tar"));
        Path cache = tmp.resolve("cache");
        DatasetConfig cfg = DatasetConfig.imageFolder(data.toString()).withImageSize(8).withCache(cache.toString());
        ImageDataset first = Datasets.open(cfg, "train");
        String hash = DatasetHash.sha256(first);
        Path file = cacheFile(cache);

        // a cached read does not touch the archive: replace its content but keep size and mtime
        var mtime = Files.getLastModifiedTime(data);
        byte[] original = Files.readAllBytes(data);
        Files.write(data, new byte[original.length]);
        Files.setLastModifiedTime(data, mtime);
        ImageDataset cached = Datasets.open(cfg, "train");
        assertEquals(hash, DatasetHash.sha256(cached));
        assertEquals(first.describe(), cached.describe());
        assertEquals(first.classes(), cached.classes());

        // corrupt cache: ignored, data decoded again, file rewritten
        Files.write(data, original);
        Files.setLastModifiedTime(data, mtime);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 1;
        Files.write(file, bytes);
        assertEquals(hash, DatasetHash.sha256(Datasets.open(cfg, "train")));
        assertEquals(hash, DatasetHash.sha256(DecodeCache.read(file)), "rewritten");

        Files.write(file, new byte[] {'T', 'B'});
        assertEquals(hash, DatasetHash.sha256(Datasets.open(cfg, "train")));
        assertTrue(Files.size(file) > 100);
    }

    @Test
    void keyFollowsOptionsAndSourceChanges() throws Exception {
        Path data = new TarBuilder().add("train/a/0.png", TarBuilder.png(4, 4, (x, y) -> 0))
                .writeDir(tmp.resolve("dir"));
        DatasetConfig cfg = DatasetConfig.imageFolder(data.toString());
        String k = DecodeCache.key(cfg, "train", data);
        assertEquals(k, DecodeCache.key(cfg, "train", data));
        assertNotEquals(k, DecodeCache.key(cfg, "test", data));
        assertNotEquals(k, DecodeCache.key(cfg.withImageSize(16), "train", data));
        assertNotEquals(k, DecodeCache.key(cfg.withChannels(3), "train", data));
        Files.write(data.resolve("train/a/1.png"), TarBuilder.png(4, 4, (x, y) -> 0));
        assertNotEquals(k, DecodeCache.key(cfg, "train", data), "a new file under the directory");
        assertEquals(null, DecodeCache.directory(cfg.withCache("off")));
        assertEquals(Path.of("/x/y"), DecodeCache.directory(cfg.withCache("/x/y")));
    }
}
