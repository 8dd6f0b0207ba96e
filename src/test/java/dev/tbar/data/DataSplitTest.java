package dev.tbar.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.TbarException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DataSplitTest {
    /** 3 classes of unequal sizes (50, 30, 20), interleaved. */
    static InMemoryDataset unbalanced() {
        int[] labels = new int[100];
        for (int i = 0; i < 100; i++) {
            labels[i] = i % 10 < 5 ? 0 : i % 10 < 8 ? 1 : 2;
        }
        byte[][] images = new byte[100][];
        for (int i = 0; i < 100; i++) {
            images[i] = new byte[] {(byte) i, (byte) (i >> 8), 0, 0};
        }
        return new InMemoryDataset(1, 2, 2, images, labels, java.util.List.of("a", "b", "c"), "unbalanced");
    }

    static int[] classCounts(ImageDataset ds) {
        int[] n = new int[ds.numClasses()];
        for (int i = 0; i < ds.size(); i++) {
            n[ds.label(i)]++;
        }
        return n;
    }

    @Test
    void subsetIsAViewInTheGivenOrder() {
        InMemoryDataset ds = unbalanced();
        Subset s = new Subset(ds, new int[] {7, 3, 7}, "pick");
        assertEquals(3, s.size());
        assertEquals(ds.label(7), s.label(0));
        assertArrayEquals(ds.image(3).pixels(), s.image(1).pixels());
        assertArrayEquals(new int[] {7, 3, 7}, s.indices());
        assertEquals(ds.classes(), s.classes());
        assertTrue(s.describe().contains("3 of unbalanced"), s.describe());
        assertThrows(IndexOutOfBoundsException.class, () -> new Subset(ds, new int[] {100}, "bad"));
    }

    @Test
    void splitIsStratifiedDisjointCompleteAndSeeded() {
        InMemoryDataset ds = unbalanced();
        Datasets.Split s = Datasets.split(ds, 0.2, 42);
        assertEquals(80, s.first().size());
        assertEquals(20, s.second().size());
        assertArrayEquals(new int[] {10, 6, 4}, classCounts(s.second()));
        assertArrayEquals(new int[] {40, 24, 16}, classCounts(s.first()));
        Set<Integer> all = new HashSet<>();
        for (int i : s.first().indices()) {
            all.add(i);
        }
        for (int i : s.second().indices()) {
            assertTrue(all.add(i), "index " + i + " in both parts");
        }
        assertEquals(100, all.size());
        int[] second = s.second().indices();
        int[] sorted = second.clone();
        Arrays.sort(sorted);
        assertArrayEquals(sorted, second, "parts keep the source order");
        assertArrayEquals(second, Datasets.split(ds, 0.2, 42).second().indices(), "same seed, same split");
        assertFalse(Arrays.equals(second, Datasets.split(ds, 0.2, 43).second().indices()), "seed matters");
    }

    @Test
    void splitRoundsTheTotalAndSpreadsRemaindersByClassSize() {
        InMemoryDataset ds = unbalanced();
        // 0.05 * (50, 30, 20) = (2.5, 1.5, 1.0): 5 in total, the largest remainders win, lowest class first
        assertArrayEquals(new int[] {3, 1, 1}, classCounts(Datasets.split(ds, 0.05, 1).second()));
        assertEquals(0, Datasets.split(ds, 0.0, 1).second().size());
        assertEquals(100, Datasets.split(ds, 1.0, 1).second().size());
        assertThrows(TbarException.class, () -> Datasets.split(ds, 1.5, 1));
    }

    @Test
    void sampleTakesExactlyNStratified() {
        InMemoryDataset ds = unbalanced();
        Subset s = Datasets.sample(ds, 7, 5);
        assertEquals(7, s.size());
        // 7 * (0.5, 0.3, 0.2) = (3.5, 2.1, 1.4)
        assertArrayEquals(new int[] {4, 2, 1}, classCounts(s));
        assertArrayEquals(s.indices(), Datasets.sample(ds, 7, 5).indices());
        assertEquals(100, Datasets.sample(ds, 100, 5).size());
        assertThrows(TbarException.class, () -> Datasets.sample(ds, 101, 5));
        // a sample of a split is a view of a view
        Subset nested = Datasets.sample(Datasets.split(ds, 0.5, 3).second(), 10, 9);
        assertArrayEquals(new int[] {5, 3, 2}, classCounts(nested));
    }

    @Test
    void hashCoversPixelsLabelsAndClassesAndSeesThroughViews() {
        InMemoryDataset ds = unbalanced();
        String h = DatasetHash.sha256(ds);
        assertEquals(64, h.length());
        assertEquals(h, Datasets.sha256(new Subset(ds, java.util.stream.IntStream.range(0, 100).toArray(), "all")));
        // a view that is not backed by stored bytes hashes through image(i) to the same value
        ImageDataset wrapped = new ImageDataset() {
            public int size() {
                return ds.size();
            }

            public int label(int i) {
                return ds.label(i);
            }

            public Image image(int i) {
                return ds.image(i);
            }

            public java.util.List<String> classes() {
                return ds.classes();
            }
        };
        assertEquals(h, DatasetHash.sha256(wrapped));
        byte[][] images = new byte[100][];
        int[] labels = new int[100];
        for (int i = 0; i < 100; i++) {
            images[i] = ds.bytes(i).clone();
            labels[i] = ds.label(i);
        }
        images[99][3] = 1;
        assertFalse(h.equals(DatasetHash.sha256(new InMemoryDataset(1, 2, 2, images, labels, ds.classes(), "x"))));
        images[99][3] = 0;
        assertEquals(h, DatasetHash.sha256(new InMemoryDataset(1, 2, 2, images, labels, ds.classes(), "x")));
        labels[0] = 1;
        assertFalse(h.equals(DatasetHash.sha256(new InMemoryDataset(1, 2, 2, images, labels, ds.classes(), "x"))));
        labels[0] = 0;
        assertFalse(h.equals(DatasetHash.sha256(new InMemoryDataset(1, 2, 2, images, labels,
                java.util.List.of("a", "b", "d"), "x"))));
        assertFalse(h.equals(DatasetHash.sha256(new InMemoryDataset(1, 4, 1, images, labels, ds.classes(), "x"))),
                "shape counts");
    }

    @Test
    void hashIsFastOnCifarSizedData() {
        byte[][] images = new byte[50_000][3072];
        int[] labels = new int[50_000];
        for (int i = 0; i < images.length; i++) {
            images[i][i % 3072] = (byte) i;
            labels[i] = i % 10;
        }
        InMemoryDataset ds = new InMemoryDataset(3, 32, 32, images, labels, Synthetic.CLASSES, "big");
        long t0 = System.nanoTime();
        DatasetHash.sha256(ds);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds < 5, "hashing 50k images took " + seconds + " s");
    }
}
