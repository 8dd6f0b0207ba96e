package dev.tbar.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SyntheticTest {
    @Test
    void deterministicBalancedAndLabelledSynthetic() {
        ImageDataset train = Datasets.open(DatasetConfig.synthetic(), "train");
        ImageDataset test = Datasets.open(DatasetConfig.synthetic(), "test");
        assertEquals(6000, train.size());
        assertEquals(1000, test.size());
        assertEquals(10, train.numClasses());
        assertTrue(train.describe().contains("synthetic"), train.describe());
        assertEquals(DatasetHash.sha256(train), DatasetHash.sha256(Datasets.open(DatasetConfig.synthetic(), "train")));
        assertFalse(DatasetHash.sha256(Synthetic.generate(100, 32, "test", 0))
                .equals(DatasetHash.sha256(Synthetic.generate(100, 32, "train", 0))), "splits differ");
        assertArrayEquals(Synthetic.generate(50, 32, "train", 0).bytes(17), ((InMemoryDataset) train).bytes(17),
                "item i does not depend on the set size");
        int[] perClass = new int[10];
        for (int i = 0; i < test.size(); i++) {
            perClass[test.label(i)]++;
        }
        assertArrayEquals(new int[] {100, 100, 100, 100, 100, 100, 100, 100, 100, 100}, perClass);
    }

    /** Classes must be told apart by shape: a nearest-class-mean classifier on raw pixels should not suffice. */
    @Test
    void colourAloneDoesNotGiveTheClass() {
        InMemoryDataset ds = Synthetic.generate(2000, 32, "train", 1);
        double[][] mean = new double[10][3];
        int[] n = new int[10];
        for (int i = 0; i < ds.size(); i++) {
            Image im = ds.image(i);
            for (int c = 0; c < 3; c++) {
                double s = 0;
                for (int p = 0; p < 1024; p++) {
                    s += im.pixels()[c * 1024 + p];
                }
                mean[ds.label(i)][c] += s / 1024;
            }
            n[ds.label(i)]++;
        }
        for (int k = 0; k < 10; k++) {
            for (int c = 0; c < 3; c++) {
                double m = mean[k][c] / n[k];
                assertTrue(m > 0.2 && m < 0.8, "class " + k + " channel " + c + " mean " + m);
            }
        }
    }

    @Test
    void sizeAndChannelsFollowTheConfig() {
        DatasetConfig cfg = new DatasetConfig("synthetic", "", 16, 20, 10, true, 1, "off");
        ImageDataset ds = Datasets.open(cfg, "train");
        Image im = ds.image(0);
        assertEquals(20, ds.size());
        assertEquals(1, im.channels());
        assertEquals(16, im.height());
    }
}
