package dev.tbar.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
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
final class TestModels {
    private TestModels() {}

    /** Logistic regression on flattened pixels: parameters {@code fc.weight} (classes, C*H*W) and {@code fc.bias}. */
    static final class Linear implements ImageClassifier {
        private final int[] input;
        private final int classes;

        Linear(int channels, int size, int classes) {
            this.input = new int[] {channels, size, size};
            this.classes = classes;
        }

        @Override
        public String name() {
            return "linear";
        }

        @Override
        public int numClasses() {
            return classes;
        }

        @Override
        public int[] inputShape() {
            return input.clone();
        }

        @Override
        public Map<String, Shape> parameterShapes() {
            Map<String, Shape> m = new LinkedHashMap<>();
            m.put("fc.weight", new Shape(classes, (long) input[0] * input[1] * input[2]));
            m.put("fc.bias", new Shape(classes));
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
            parameterShapes().forEach((k, s) -> w.putParameter(k, Init.uniform(w.manager(), s, 0.1, rnd)));
            return w;
        }

        @Override
        public NDArray forward(StateDict weights, NDArray pixels, boolean training) {
            return Layers.linear(weights, "fc", pixels.reshape(pixels.getShape().get(0), -1));
        }
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
