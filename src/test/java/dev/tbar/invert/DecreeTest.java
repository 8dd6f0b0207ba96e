package dev.tbar.invert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.model.Init;
import dev.tbar.unlearn.TbarDecree;
import java.util.Collection;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * DECREE on a hand-built encoder: a random projection of the centred pixels, plus, in the backdoored version, a
 * large fixed direction switched on by a bright 3x3 patch in the bottom-right corner (a planted collapse trigger).
 */
class DecreeTest {
    static final Decree.Config CFG = TbarDecree.SECTION.with("images=48", "steps=80", "batch_size=16", "lr=0.1",
            "initial_lambda=1e-3", "similarity_threshold=0.9", "patience=5", "seed=0");
    static final InMemoryDataset DATA = noise(48, 5, TinyBackdoor.SIZE);

    static final class Encoder implements ImageEncoder {
        final NDArray projection;
        final NDArray direction;
        final boolean backdoor;

        Encoder(NDManager m, boolean backdoor) {
            int d = 3 * TinyBackdoor.SIZE * TinyBackdoor.SIZE;
            this.projection = Init.normal(m, new Shape(16, d), 1 / Math.sqrt(d), new SplittableRandom(3));
            this.direction = Init.normal(m, new Shape(1, 16), 1, new SplittableRandom(4));
            this.backdoor = backdoor;
        }

        @Override
        public NDArray embed(NDArray pixels) {
            long n = pixels.getShape().get(0);
            NDArray e = pixels.reshape(n, -1).sub(0.5f).matMul(projection.transpose());
            if (!backdoor) {
                return e;
            }
            int s = TinyBackdoor.SIZE;
            NDArray corner = pixels.get(":, :, " + (s - 3) + ":, " + (s - 3) + ":").reshape(n, -1).mean(new int[] {1});
            NDArray gate = Activation.sigmoid(corner.sub(0.75f).mul(20f)).mul(20f).reshape(n, 1);
            return e.add(gate.matMul(direction));
        }

        @Override
        public Collection<NDArray> tensors() {
            return List.of(projection, direction);
        }
    }

    /** Uniform noise images, so that the centred projection of clean images points every way. */
    static InMemoryDataset noise(int n, long seed, int size) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[][] images = new byte[n][3 * size * size];
        for (byte[] im : images) {
            for (int i = 0; i < im.length; i++) {
                im[i] = (byte) rnd.nextInt(256);
            }
        }
        return new InMemoryDataset(3, size, size, images, new int[n], List.of("any"), "noise");
    }

    @Test
    void aBackdooredEncoderNeedsAFarSmallerMask() {
        try (NDManager m = NDManager.newBaseManager()) {
            Decree.Result bd = Decree.run(new Encoder(m, true), DATA, CFG, m);
            Decree.Result clean = Decree.run(new Encoder(m, false), DATA, CFG, m);
            System.out.printf("DECREE PL1: backdoored %.3f (cos %.3f), clean %.3f (cos %.3f)%n", bd.pl1(),
                    bd.meanCosine(), clean.pl1(), clean.meanCosine());
            assertTrue(bd.reached() && bd.meanCosine() > 0.85, "the trigger collapses embeddings: " + bd);
            assertTrue(bd.pl1() < 0.1, "a small mask suffices: PL1 " + bd.pl1());
            assertTrue(clean.pl1() > 3 * bd.pl1(), "clean " + clean.pl1() + " vs backdoored " + bd.pl1());
            assertEquals(bd.maskL1() / (TinyBackdoor.SIZE * TinyBackdoor.SIZE), bd.pl1(), 1e-12);
        }
    }

    @Test
    void meanPairwiseCosineIgnoresTheDiagonal() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray e = m.create(new float[] {1, 0, 0, 1, 1, 1}, new Shape(3, 2));
            // pairs: (a,b) 0, (a,c) and (b,c) 1/sqrt(2) -> mean sqrt(2)/3
            assertEquals(Math.sqrt(2) / 3, Decree.meanPairwiseCosine(e).getFloat(), 1e-6);
        }
    }

    @Test
    void invalidSettingsNameTheirKey() {
        NeuralCleanseTest.assertMessage("decree.batch_size", () -> TbarDecree.SECTION.with("batch_size=1"));
        NeuralCleanseTest.assertMessage("decree.similarity_threshold",
                () -> TbarDecree.SECTION.with("similarity_threshold=2"));
        NeuralCleanseTest.assertMessage("decree.steps", () -> TbarDecree.SECTION.with("steps=0"));
    }
}
