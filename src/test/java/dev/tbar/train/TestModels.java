package dev.tbar.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.tbar.data.Image;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.data.Transform;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.Init;
import dev.tbar.model.Layers;
import dev.tbar.model.StateDict;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Small models and a learnable synthetic task, so that training tests take seconds. */
public final class TestModels {
    private TestModels() {}

    /** Hidden-unit nonlinearity of {@link Mlp}. */
    public enum Act {
        RELU,
        TANH
    }

    /** {@link Mlp#initBound()} meaning 1/sqrt(the tensor's last dimension): the fan-in for weights. */
    public static final double FAN_IN = 0;

    /**
     * The tests' one tiny classifier on flattened pixels. With {@code hidden == 0} it is logistic regression,
     * {@code fc.weight} (classes, C*H*W) and {@code fc.bias}; otherwise flatten -> fc1 -> act -> fc2, whose
     * {@link #features} are the hidden units (so feature-level defenses can prune them).
     *
     * @param shift subtracted from the pixels before the first layer (0.5 centres them)
     * @param initBound seeded uniform init in [-initBound, initBound], or {@link #FAN_IN}
     */
    public record Mlp(int channels, int size, int hidden, int classes, Act act, float shift, double initBound)
            implements ImageClassifier {
        @Override
        public String name() {
            return hidden == 0 ? "linear" : "mlp";
        }

        @Override
        public int numClasses() {
            return classes;
        }

        @Override
        public int[] inputShape() {
            return new int[] {channels, size, size};
        }

        @Override
        public Map<String, Shape> parameterShapes() {
            long inputs = (long) channels * size * size;
            Map<String, Shape> m = new LinkedHashMap<>();
            if (hidden > 0) {
                m.put("fc1.weight", new Shape(hidden, inputs));
                m.put("fc1.bias", new Shape(hidden));
            }
            m.put(headName() + ".weight", new Shape(classes, hidden > 0 ? hidden : inputs));
            m.put(headName() + ".bias", new Shape(classes));
            return m;
        }

        @Override
        public Map<String, Shape> bufferShapes() {
            return Map.of();
        }

        @Override
        public StateDict initialize(NDManager manager, long seed) {
            SplittableRandom rnd = new SplittableRandom(seed);
            StateDict w = new StateDict(manager);
            parameterShapes().forEach((k, s) -> w.putParameter(k, Init.uniform(w.manager(), s,
                    initBound == FAN_IN ? 1 / Math.sqrt(s.get(s.dimension() - 1)) : initBound, rnd)));
            return w;
        }

        @Override
        public String headName() {
            return hidden > 0 ? "fc2" : "fc";
        }

        @Override
        public NDArray features(StateDict w, NDArray pixels, boolean training) {
            NDArray x = pixels.reshape(pixels.getShape().get(0), -1);
            if (shift != 0) {
                x = x.sub(shift);
            }
            if (hidden == 0) {
                return x;
            }
            NDArray h = Layers.linear(w, "fc1", x);
            return act == Act.TANH ? h.tanh() : Activation.relu(h);
        }

        @Override
        public NDArray forward(StateDict w, NDArray pixels, boolean training) {
            return Layers.linear(w, headName(), features(w, pixels, training));
        }
    }

    /** Logistic regression on the flattened pixels, seeded init in [-0.1, 0.1]. */
    public static Mlp linear(int channels, int size, int classes) {
        return new Mlp(channels, size, 0, classes, Act.RELU, 0f, 0.1);
    }

    /** flatten -> fc1 (hidden) -> ReLU -> fc2, fan-in init. */
    public static Mlp mlp(int channels, int size, int hidden, int classes) {
        return new Mlp(channels, size, hidden, classes, Act.RELU, 0f, FAN_IN);
    }

    /**
     * Two classes of noisy RGB images: class 0 is brighter in the left half, class 1 in the right half. Labels
     * alternate so that every batch is balanced in expectation.
     */
    static InMemoryDataset halves(int n, int size, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[][] images = new byte[n][];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            Image im = Image.blank(3, size, size);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        boolean bright = (x < size / 2) == (labels[i] == 0);
                        im.set(c, y, x, (float) ((bright ? 0.45 : 0.15) + 0.4 * rnd.nextDouble()));
                    }
                }
            }
            images[i] = im.toBytes();
        }
        return new InMemoryDataset(3, size, size, images, labels, List.of("left", "right"), "halves");
    }

    /** Random vertical flip (keeps the left/right cue), to exercise the transform's random stream. */
    static final Transform FLIP = (im, rnd) -> {
        if (!rnd.nextBoolean()) {
            return im;
        }
        Image out = Image.blank(im.channels(), im.height(), im.width());
        for (int c = 0; c < im.channels(); c++) {
            for (int y = 0; y < im.height(); y++) {
                for (int x = 0; x < im.width(); x++) {
                    out.set(c, im.height() - 1 - y, x, im.get(c, y, x));
                }
            }
        }
        return out;
    };

    /** Every tensor of {@code w} as floats, by name. */
    static Map<String, float[]> values(StateDict w) {
        Map<String, float[]> m = new LinkedHashMap<>();
        w.asMap().forEach((k, v) -> m.put(k, v.toFloatArray()));
        return m;
    }
}
