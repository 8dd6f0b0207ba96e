package dev.tbar.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import org.junit.jupiter.api.Test;

class DecodedDatasetTest {
    /** A source whose pixels are not multiples of 1/255 and which counts its decodes. */
    static final class Counting implements ImageDataset {
        int decodes;

        @Override
        public int size() {
            return 3;
        }

        @Override
        public int label(int i) {
            return 2 - i;
        }

        @Override
        public Image image(int i) {
            decodes++;
            Image im = Image.blank(1, 2, 2);
            im.set(0, 1, 1, 0.1234f * (i + 1));
            return im;
        }

        @Override
        public List<String> classes() {
            return List.of("a", "b", "c");
        }

        @Override
        public String describe() {
            return "three counted images";
        }
    }

    @Test
    void decodesEachImageOnceKeepsFloatsExactAndHandsOutCopies() {
        Counting source = new Counting();
        DecodedDataset d = DecodedDataset.of(source);
        assertEquals(3, source.decodes);
        assertEquals(3, d.size());
        assertArrayEquals(new int[] {2, 1, 0}, d.labels());
        assertEquals(1, d.label(1));
        assertEquals(List.of("a", "b", "c"), d.classes());
        assertEquals("three counted images", d.describe());
        for (int i = 0; i < 3; i++) {
            assertEquals(0.1234f * (i + 1), d.image(i).get(0, 1, 1), 0f, "no 8-bit rounding");
        }
        Image first = d.image(0);
        assertNotSame(d.images()[0], first);
        first.set(0, 1, 1, 9f);
        assertEquals(0.1234f, d.image(0).get(0, 1, 1), 0f, "changing a returned image leaves the data alone");
        assertEquals(3, source.decodes, "reads come from memory");
        assertSame(d, DecodedDataset.of(d), "decoding decoded data again is a no-op");
    }
}
