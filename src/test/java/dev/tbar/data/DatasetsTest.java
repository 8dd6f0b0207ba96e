package dev.tbar.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DatasetsTest {
    static final InMemoryDataset DATA = Synthetic.generate(200, 8, "train", 0);

    @Test
    void splitIsStratifiedDisjointAndSeeded() {
        Datasets.Split s = Datasets.split(DATA, 0.25, 7);
        assertEquals(150, s.first().size());
        assertEquals(50, s.second().size());
        Set<Integer> all = new HashSet<>();
        Arrays.stream(s.first().indices()).forEach(all::add);
        Arrays.stream(s.second().indices()).forEach(all::add);
        assertEquals(200, all.size());
        int[] perClass = new int[10];
        for (int i = 0; i < s.second().size(); i++) {
            perClass[s.second().label(i)]++;
        }
        assertTrue(Arrays.stream(perClass).allMatch(c -> c == 5), Arrays.toString(perClass));
        assertArrayEquals(s.second().indices(), Datasets.split(DATA, 0.25, 7).second().indices());
        assertNotEquals(Arrays.toString(s.second().indices()),
                Arrays.toString(Datasets.split(DATA, 0.25, 8).second().indices()));
    }

    @Test
    void sampleHasExactSize() {
        assertEquals(33, Datasets.sample(DATA, 33, 1).size());
        assertArrayEquals(Datasets.sample(DATA, 33, 1).indices(), Datasets.sample(DATA, 33, 1).indices());
    }

    @Test
    void syntheticIsDeterministicAndHashed() {
        InMemoryDataset again = Synthetic.generate(200, 8, "train", 0);
        assertEquals(Datasets.sha256(DATA), Datasets.sha256(again));
        assertNotEquals(Datasets.sha256(DATA), Datasets.sha256(Synthetic.generate(200, 8, "test", 0)));
        assertTrue(DATA.describe().contains("SYNTHETIC"));
    }

    @Test
    void cropAndFlipArePixelExact() {
        Image im = Image.blank(1, 3, 3);
        for (int i = 0; i < 9; i++) {
            im.pixels()[i] = i + 1;
        }
        // A generator whose first two draws give offsets (+1, -1) for pad 1: nextInt(3) - 1.
        Image cropped = null;
        for (long seed = 0; cropped == null; seed++) {
            SplittableRandom probe = new SplittableRandom(seed);
            if (probe.nextInt(3) == 2 && probe.nextInt(3) == 0) {
                cropped = Transforms.randomCrop(1).apply(im, new SplittableRandom(seed));
            }
        }
        // dy = +1, dx = -1: out(y, x) = in(y + 1, x - 1), zero outside.
        assertArrayEquals(new float[] {0, 4, 5, 0, 7, 8, 0, 0, 0}, cropped.pixels());
        Image flipped = null;
        for (long seed = 0; flipped == null; seed++) {
            if (new SplittableRandom(seed).nextBoolean()) {
                flipped = Transforms.horizontalFlip().apply(im, new SplittableRandom(seed));
            }
        }
        assertArrayEquals(new float[] {3, 2, 1, 6, 5, 4, 9, 8, 7}, flipped.pixels());
    }
}
