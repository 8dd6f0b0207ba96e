package dev.tbar.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * WaNet's control-grid upsampling against PyTorch. Bilinear is compared with libtorch through DJL's binding; that
 * binding has no align_corners switch and its bicubic path is the antialiased (PIL-style) one, so bicubic is checked
 * against PyTorch's published outputs for upsampling [[1, 2], [3, 4]] to 4 x 4 (4 decimals), in both modes.
 */
class AttackUpsampleParityTest {
    /** libtorch interpolation modes as DJL's JNI numbers them. */
    private static final int BILINEAR = 2;

    private static void compareBilinear(int k, int h, int w, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] src = new double[k * k];
        float[] f = new float[k * k];
        for (int i = 0; i < src.length; i++) {
            f[i] = (float) (rnd.nextDouble() * 2 - 1);
            src[i] = f[i];
        }
        double[] ours = Upsample.resize(src, 0, k, h, w, false, false);
        try (NDManager m = NDManager.newBaseManager()) {
            PtNDArray in = (PtNDArray) m.create(f, new Shape(1, 1, k, k));
            // With false as the last argument this is libtorch's plain half-pixel bilinear resize.
            float[] ref = JniUtils.interpolate(in, new long[] {h, w}, BILINEAR, false)
                    .toFloatArray();
            for (int i = 0; i < ref.length; i++) {
                assertEquals(ref[i], ours[i], 1e-5, "k=" + k + " -> " + h + "x" + w + " at " + i);
            }
        }
    }

    @Test
    void bicubicMatchesPyTorchReference() {
        double[] src = {1, 2, 3, 4};
        double[] halfPixel = {0.6836, 1.0156, 1.5625, 1.8945, 1.3477, 1.6797, 2.2266, 2.5586, 2.4414, 2.7734, 3.3203,
            3.6523, 3.1055, 3.4375, 3.9844, 4.3164};
        double[] alignCorners = {1.0000, 1.3148, 1.6852, 2.0000, 1.6296, 1.9444, 2.3148, 2.6296, 2.3704, 2.6852,
            3.0556, 3.3704, 3.0000, 3.3148, 3.6852, 4.0000};
        double[] a = Upsample.resize(src, 0, 2, 4, 4, true, false);
        double[] b = Upsample.resize(src, 0, 2, 4, 4, true);
        for (int i = 0; i < 16; i++) {
            assertEquals(halfPixel[i], a[i], 6e-5, "align_corners=False at " + i);
            assertEquals(alignCorners[i], b[i], 6e-5, "align_corners=True at " + i);
        }
    }

    @Test
    void alignCornersMapsCornersToCorners() {
        double[] src = {0.3, -0.7, 0.1, 0.9};
        for (boolean cubic : new boolean[] {true, false}) {
            double[] out = Upsample.resize(src, 0, 2, 5, 7, cubic);
            assertEquals(0.3, out[0], 1e-12);
            assertEquals(-0.7, out[6], 1e-12);
            assertEquals(0.1, out[28], 1e-12);
            assertEquals(0.9, out[34], 1e-12);
        }
        // Bilinear with align_corners is linear along a row: the centre of 2 -> 5 is the mean of the ends.
        assertEquals((0.3 - 0.7) / 2, Upsample.resize(src, 0, 2, 5, 5, false)[2], 1e-12);
    }

    @Test
    void bilinearMatchesLibtorch() {
        compareBilinear(4, 32, 32, 5);
        compareBilinear(3, 10, 6, 6);
    }
}
