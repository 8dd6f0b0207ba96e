package dev.tbar.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.TbarException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CifarBinaryTest {
    @TempDir
    Path tmp;

    /** {@code n} records; record r has label (first + r) % 10 and pixel p = (r + p) mod 256. */
    static byte[] batch(int n, int first) {
        byte[] b = new byte[n * CifarBinary.RECORD];
        for (int r = 0; r < n; r++) {
            b[r * CifarBinary.RECORD] = (byte) ((first + r) % 10);
            for (int p = 0; p < 3072; p++) {
                b[r * CifarBinary.RECORD + 1 + p] = (byte) (r + p);
            }
        }
        return b;
    }

    static TarBuilder release() {
        TarBuilder t = new TarBuilder();
        for (int k = 1; k <= 5; k++) {
            t.add("cifar-10-batches-bin/data_batch_" + k + ".bin", batch(2, k));
        }
        t.add("cifar-10-batches-bin/test_batch.bin", batch(3, 7));
        t.add("cifar-10-batches-bin/batches.meta.txt", "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\n"
                + "ship\ntruck\n\n");
        t.add("cifar-10-batches-bin/readme.html", "<html></html>");
        return t;
    }

    @Test
    void readsTrainBatchesInOrderAndTheTestBatch() throws Exception {
        Path tar = release().writeTar(tmp.resolve("cifar-10-binary.tar.gz"));
        InMemoryDataset train = CifarBinary.read(tar, "train");
        assertEquals(10, train.size());
        assertEquals(1, train.label(0)); // batch 1, record 0
        assertEquals(6, train.label(9)); // batch 5, record 1
        assertEquals("truck", train.classes().get(9));
        Image im = train.image(1);
        // record 1: pixel p = 1 + p; plane 1 (green) starts at p = 1024, so green (0, 0) = 1025 mod 256 = 1
        assertEquals(1 / 255f, im.get(1, 0, 0), 1e-7f);
        assertEquals(((1 + 2 * 1024 + 32 * 3 + 5) % 256) / 255f, im.get(2, 3, 5), 1e-7f);
        InMemoryDataset test = CifarBinary.read(tar, "test");
        assertEquals(3, test.size());
        assertEquals(9, test.label(2));
        // a directory gives the same content; Datasets.open resizes on request
        Path dir = release().writeDir(tmp.resolve("unpacked"));
        assertEquals(DatasetHash.sha256(test), DatasetHash.sha256(CifarBinary.read(dir.resolve(
                "cifar-10-batches-bin"), "test")));
        ImageDataset big = Datasets.open(DatasetConfig.of("cifar10-bin", dir.toString()).withImageSize(64)
                .withCache("off"), "test");
        assertEquals(64, big.image(0).width());
    }

    @Test
    void badFilesAreRejectedNamingTheFile() throws Exception {
        byte[] cut = batch(2, 0);
        Path dir = release().add("cifar-10-batches-bin/test_batch.bin", java.util.Arrays.copyOf(cut, cut.length - 1))
                .writeDir(tmp.resolve("cut"));
        var size = assertThrows(TbarException.class, () -> CifarBinary.read(dir, "test"));
        assertTrue(size.getMessage().contains("test_batch.bin") && size.getMessage().contains("3073"),
                size.getMessage());

        byte[] bad = batch(1, 0);
        bad[0] = 10;
        Path labels = release().add("cifar-10-batches-bin/test_batch.bin", bad).writeDir(tmp.resolve("label"));
        var label = assertThrows(TbarException.class, () -> CifarBinary.read(labels, "test"));
        assertTrue(label.getMessage().contains("record 0 has label 10"), label.getMessage());

        Path partial = new TarBuilder().add("data_batch_1.bin", batch(1, 0)).writeDir(tmp.resolve("partial"));
        var missing = assertThrows(TbarException.class, () -> CifarBinary.read(partial, "train"));
        assertTrue(missing.getMessage().contains("data_batch_2.bin"), missing.getMessage());
        assertEquals(CifarBinary.CIFAR10_CLASSES, CifarBinary.read(
                new TarBuilder().add("test_batch.bin", batch(1, 0)).writeDir(tmp.resolve("nometa")), "test").classes());
    }
}
