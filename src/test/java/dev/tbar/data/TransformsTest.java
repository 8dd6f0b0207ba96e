package dev.tbar.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TransformsTest {
    /** Pixel (c, y, x) = 1 + c*100 + y*10 + x, scaled: every value distinct and non-zero. */
    static Image ramp(int c, int h, int w) {
        Image im = Image.blank(c, h, w);
        for (int k = 0; k < c; k++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    im.set(k, y, x, (1 + k * 100 + y * 10 + x) / 1000f);
                }
            }
        }
        return im;
    }

    @Test
    void resizeUpsamplesWithHalfPixelCentres() {
        Image im = new Image(1, 1, 2, new float[] {0f, 1f});
        Image out = Transforms.resize(im, 1, 4);
        // source x = (i + 0.5) / 2 - 0.5 = -0.25 (clamped), 0.25, 0.75, 1.25 (clamped)
        assertArrayEquals(new float[] {0f, 0.25f, 0.75f, 1f}, out.pixels(), 1e-7f);
        Image square = new Image(1, 2, 2, new float[] {0f, 1f, 1f, 0f});
        Image up = Transforms.resize(square, 4, 4);
        assertEquals(0f, up.get(0, 0, 0), 1e-7f);
        assertEquals(0.375f, up.get(0, 1, 1), 1e-7f); // 0.75*0.75*0 + 0.75*0.25*1 * 2 + 0.25*0.25*0
        // y = 0.25, x = 0.75: rows 0.75 and 0.25, mixed 3:1
        assertEquals(0.625f, up.get(0, 1, 2), 1e-7f);
    }

    @Test
    void resizeDownsamplesByTwoToPairAverages() {
        Image im = ramp(2, 4, 4);
        Image out = Transforms.resize(im, 2, 2);
        // each output samples the centre of a 2x2 block: the mean of its four pixels
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < 2; y++) {
                for (int x = 0; x < 2; x++) {
                    float mean = (im.get(c, 2 * y, 2 * x) + im.get(c, 2 * y, 2 * x + 1) + im.get(c, 2 * y + 1, 2 * x)
                            + im.get(c, 2 * y + 1, 2 * x + 1)) / 4;
                    assertEquals(mean, out.get(c, y, x), 1e-6f);
                }
            }
        }
        assertSame(im, Transforms.resize(im, 4, 4), "same size is a no-op");
        Image big = Transforms.resize(8).apply(im, new SplittableRandom(0));
        assertEquals(8, big.height());
        assertEquals(8, big.width());
        assertEquals(2, big.channels());
    }

    @Test
    void centerCropTakesTheMiddle() {
        Image im = ramp(1, 5, 6);
        Image out = Transforms.centerCrop(3).apply(im, null);
        // offsets (5-3)/2 = 1 and (6-3)/2 = 1
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 3; x++) {
                assertEquals(im.get(0, y + 1, x + 1), out.get(0, y, x));
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Transforms.centerCrop(7).apply(im, null));
    }

    @Test
    void randomCropIsAZeroPaddedWindowAndCoversAllOffsets() {
        Image im = ramp(3, 6, 6);
        Transform t = Transforms.randomCrop(6, 2);
        Set<String> offsets = new HashSet<>();
        for (long seed = 0; seed < 400; seed++) {
            Image out = t.apply(im, new SplittableRandom(seed));
            assertArrayEquals(out.pixels(), t.apply(im, new SplittableRandom(seed)).pixels(), "seeded");
            offsets.add(findWindow(im, out));
        }
        assertEquals(25, offsets.size(), "all (2*2+1)^2 offsets occur: " + offsets);
    }

    /** The unique (dy, dx) with out = im shifted, zeros outside; fails if none matches. */
    private static String findWindow(Image im, Image out) {
        String found = null;
        for (int dy = -2; dy <= 2; dy++) {
            for (int dx = -2; dx <= 2; dx++) {
                boolean ok = true;
                for (int c = 0; c < 3 && ok; c++) {
                    for (int y = 0; y < 6 && ok; y++) {
                        for (int x = 0; x < 6 && ok; x++) {
                            int sy = y + dy;
                            int sx = x + dx;
                            float want = sy >= 0 && sy < 6 && sx >= 0 && sx < 6 ? im.get(c, sy, sx) : 0f;
                            ok = want == out.get(c, y, x);
                        }
                    }
                }
                if (ok) {
                    assertEquals(null, found, "two windows match");
                    found = dy + "," + dx;
                }
            }
        }
        assertTrue(found != null, "output is not a window of the padded image");
        return found;
    }

    @Test
    void flipMirrorsExactlyOrNotAtAll() {
        Image im = ramp(2, 3, 4);
        Image mirrored = Transforms.flip(im);
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 4; x++) {
                    assertEquals(im.get(c, y, 3 - x), mirrored.get(c, y, x));
                }
            }
        }
        assertArrayEquals(im.pixels(), Transforms.flip(mirrored).pixels());
        assertSame(im, Transforms.horizontalFlip(0).apply(im, new SplittableRandom(1)));
        assertArrayEquals(mirrored.pixels(), Transforms.horizontalFlip(1).apply(im, new SplittableRandom(1)).pixels());
        int flips = 0;
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 1000; i++) {
            Image out = Transforms.horizontalFlip().apply(im, rnd);
            flips += out == im ? 0 : 1;
        }
        assertTrue(flips > 430 && flips < 570, "flips " + flips + " of 1000");
    }

    @Test
    void cifarAugmentAndComposeAreSeededAndKeepTheShape() {
        Image im = ramp(3, 32, 32);
        Image a = Transforms.cifarAugment().apply(im, new SplittableRandom(3));
        Image b = Transforms.cifarAugment().apply(im, new SplittableRandom(3));
        assertArrayEquals(a.pixels(), b.pixels());
        assertEquals(3 * 32 * 32, a.pixels().length);
        Transform composed = Transforms.compose(Transforms.randomCrop(32, 4), Transforms.horizontalFlip());
        assertArrayEquals(a.pixels(), composed.apply(im, new SplittableRandom(3)).pixels());
        Image resizedThenCropped = Transforms.compose(Transforms.resize(8), Transforms.centerCrop(4))
                .apply(im, new SplittableRandom(0));
        assertEquals(4, resizedThenCropped.height());
        assertSame(im, Transforms.compose().apply(im, null));
    }

    @Test
    void channelConversion() {
        Image grey = new Image(1, 1, 2, new float[] {0.2f, 0.6f});
        Image rgb = Transforms.channels(grey, 3);
        assertArrayEquals(new float[] {0.2f, 0.6f, 0.2f, 0.6f, 0.2f, 0.6f}, rgb.pixels());
        assertArrayEquals(grey.pixels(), Transforms.channels(rgb, 1).pixels(), 1e-6f);
        assertSame(grey, Transforms.channels(grey, 0));
    }
}
