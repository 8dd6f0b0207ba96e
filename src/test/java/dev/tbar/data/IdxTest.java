package dev.tbar.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.Shared;
import dev.tbar.TbarException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxTest {
    @TempDir
    Path tmp;

    static byte[] idx(int rank, int count, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * rank + data.length);
        b.putInt(0x0800 | rank).putInt(count);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(data).array();
    }

    static byte[] gzip(byte[] b) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(b);
        }
        return out.toByteArray();
    }

    @Test
    void readsPlainAndGzippedFiles() throws Exception {
        byte[] pixels = new byte[3 * 2 * 2];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 20);
        }
        Path dir = new TarBuilder()
                .add("t10k-images-idx3-ubyte", idx(3, 3, new int[] {2, 2}, pixels))
                .add("t10k-labels-idx1-ubyte.gz", gzip(idx(1, 3, new int[0], new byte[] {4, 0, 11})))
                .writeDir(tmp.resolve("mnist"));
        InMemoryDataset ds = Idx.read(dir, "test");
        assertEquals(3, ds.size());
        assertEquals(12, ds.numClasses(), "digits up to the largest label");
        assertEquals(11, ds.label(2));
        assertEquals(1, ds.channels());
        assertEquals(60 / 255f, ds.image(0).get(0, 1, 1), 1e-6f);
        var missing = assertThrows(TbarException.class, () -> Idx.read(dir, "train"));
        assertTrue(missing.getMessage().contains("train-images-idx3-ubyte"), missing.getMessage());
    }

    @Test
    void corruptHeadersAreRejectedBeforeAllocating() {
        byte[] ok = idx(3, 2, new int[] {2, 2}, new byte[8]);
        Idx.parse("ok", ok, 3);
        // header claims a billion images: refused from the file length, without allocating the payload
        var big = assertThrows(TbarException.class, () -> Idx.parse("big", idx(3, 1_000_000_000, new int[] {28, 28},
                new byte[8]), 3));
        assertTrue(big.getMessage().contains("big"), big.getMessage());
        var shortData = assertThrows(TbarException.class, () -> Idx.parse("short",
                idx(3, 3, new int[] {2, 2}, new byte[8]), 3));
        assertTrue(shortData.getMessage().contains("promises 12"), shortData.getMessage());
        var longData = assertThrows(TbarException.class, () -> Idx.parse("long",
                idx(3, 1, new int[] {2, 2}, new byte[8]), 3));
        assertTrue(longData.getMessage().contains("longer"), longData.getMessage());
        var magic = assertThrows(TbarException.class, () -> Idx.parse("magic", ok, 1));
        assertTrue(magic.getMessage().contains("magic"), magic.getMessage());
        assertThrows(TbarException.class, () -> Idx.parse("dims", idx(3, 1, new int[] {0, 2}, new byte[0]), 3));
        assertThrows(TbarException.class, () -> Idx.parse("truncated", new byte[] {0, 0, 8}, 3));
    }

    @Test
    void mismatchedCountsAreRejected() throws Exception {
        Path dir = new TarBuilder()
                .add("train-images-idx3-ubyte", idx(3, 2, new int[] {1, 1}, new byte[2]))
                .add("train-labels-idx1-ubyte", idx(1, 3, new int[0], new byte[3]))
                .writeDir(tmp.resolve("m"));
        var e = assertThrows(TbarException.class, () -> Idx.read(dir, "train"));
        assertTrue(e.getMessage().contains("2 images but"), e.getMessage());
    }

    @Test
    void sharedFashionMnistTestSplit() {
        Path dir = Shared.require("data/fashion-mnist");
        DatasetConfig cfg = DatasetConfig.of("idx", dir.toString()).withCache("off");
        ImageDataset grey = Datasets.open(cfg.withImageSize(28), "test");
        assertEquals(10_000, grey.size());
        assertEquals(9, grey.label(0));
        assertEquals("Ankle boot", grey.classes().get(9));
        assertEquals(1, grey.image(0).channels());
        assertEquals(28, grey.image(0).width());
        ImageDataset rgb = Datasets.open(cfg.withChannels(3), "test");
        Image im = rgb.image(0);
        assertEquals(3, im.channels());
        assertEquals(32, im.height());
        assertEquals(im.get(0, 16, 16), im.get(2, 16, 16));
        assertTrue(rgb.describe().contains("Fashion-MNIST"), rgb.describe());
    }

    @Test
    void sharedFashionMnistTrainCount() throws Exception {
        Path dir = Shared.require("data/fashion-mnist");
        InMemoryDataset train = Idx.read(dir, "train");
        assertEquals(60_000, train.size());
        assertEquals(9, train.label(0));
        assertTrue(Files.size(dir.resolve("train-images-idx3-ubyte.gz")) > 1_000_000);
    }
}
