package dev.tbar.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * PreActResNet-18 (He et al. 2016, identity mappings) as BackdoorBench defines it, the model most backdoor papers
 * report on: a 3x3 stem with 64 channels, four stages of two pre-activation blocks (BN, ReLU, conv; 64/128/256/512
 * channels, stride 2 from stage 2), a 1x1 convolution on the shortcut where the shape changes, no final BatchNorm,
 * global average pooling and a linear head. Tensor names are BackdoorBench's ({@code layer2.0.shortcut.0.weight}),
 * so its checkpoints load as they are. Inputs are normalised with the CIFAR-10 statistics BackdoorBench uses.
 */
public final class PreActResNet18 implements ImageClassifier {
    /** BackdoorBench's CIFAR-10 normalisation. */
    public static final Normalization CIFAR10 =
            new Normalization(new float[] {0.4914f, 0.4822f, 0.4465f}, new float[] {0.247f, 0.243f, 0.261f});

    private static final int[] WIDTHS = {64, 128, 256, 512};

    private final int numClasses;
    private final int size;
    private final Normalization normalization;
    private final LinkedHashMap<String, Shape> params = new LinkedHashMap<>();
    private final LinkedHashMap<String, Shape> buffers = new LinkedHashMap<>();

    public PreActResNet18(int numClasses, int size, Normalization normalization) {
        this.numClasses = numClasses;
        this.size = size;
        this.normalization = normalization;
        params.put("conv1.weight", new Shape(64, 3, 3, 3));
        int in = 64;
        for (int s = 0; s < 4; s++) {
            for (int b = 0; b < 2; b++) {
                String p = "layer" + (s + 1) + "." + b;
                int stride = s > 0 && b == 0 ? 2 : 1;
                bn(p + ".bn1", in);
                params.put(p + ".conv1.weight", new Shape(WIDTHS[s], in, 3, 3));
                bn(p + ".bn2", WIDTHS[s]);
                params.put(p + ".conv2.weight", new Shape(WIDTHS[s], WIDTHS[s], 3, 3));
                if (stride != 1 || in != WIDTHS[s]) {
                    params.put(p + ".shortcut.0.weight", new Shape(WIDTHS[s], in, 1, 1));
                }
                in = WIDTHS[s];
            }
        }
        params.put("linear.weight", new Shape(numClasses, 512));
        params.put("linear.bias", new Shape(numClasses));
    }

    private void bn(String name, int c) {
        params.put(name + ".weight", new Shape(c));
        params.put(name + ".bias", new Shape(c));
        buffers.put(name + ".running_mean", new Shape(c));
        buffers.put(name + ".running_var", new Shape(c));
    }

    @Override
    public String name() {
        return "preact-resnet18";
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int[] inputShape() {
        return new int[] {3, size, size};
    }

    @Override
    public Map<String, Shape> parameterShapes() {
        return params;
    }

    @Override
    public Map<String, Shape> bufferShapes() {
        return buffers;
    }

    /** PyTorch's defaults for Conv2d and Linear (Kaiming-uniform, a = sqrt(5)), BatchNorm at identity. */
    @Override
    public StateDict initialize(NDManager manager, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        StateDict w = new StateDict(manager);
        NDManager m = w.manager();
        params.forEach((name, shape) -> {
            NDArray v;
            if (shape.dimension() == 1 && !name.startsWith("linear.")) {
                v = name.endsWith(".weight") ? m.ones(shape) : m.zeros(shape);
            } else {
                long fanIn = name.equals("linear.bias") ? 512 : shape.size() / shape.get(0);
                v = Init.uniform(m, shape, 1 / Math.sqrt(fanIn), rnd);
            }
            w.putParameter(name, v);
        });
        Init.batchNormBuffers(w, buffers);
        return w;
    }

    @Override
    public NDArray forward(StateDict w, NDArray pixels, boolean training) {
        return Layers.linear(w, "linear", features(w, pixels, training));
    }

    @Override
    public String headName() {
        return "linear";
    }

    /** The 512 globally pooled channels of the last block. */
    @Override
    public NDArray features(StateDict w, NDArray pixels, boolean training) {
        NDArray x = Layers.conv2d(w, "conv1", normalization.apply(pixels), 1, 1, false);
        int in = 64;
        for (int s = 0; s < 4; s++) {
            for (int b = 0; b < 2; b++) {
                String p = "layer" + (s + 1) + "." + b;
                int stride = s > 0 && b == 0 ? 2 : 1;
                NDArray out = Activation.relu(Layers.batchNorm(w, p + ".bn1", x, training));
                NDArray shortcut = stride != 1 || in != WIDTHS[s]
                        ? Layers.conv2d(w, p + ".shortcut.0", out, stride, 0, false) : x;
                out = Layers.conv2d(w, p + ".conv1", out, stride, 1, false);
                out = Layers.conv2d(w, p + ".conv2",
                        Activation.relu(Layers.batchNorm(w, p + ".bn2", out, training)), 1, 1, false);
                x = out.add(shortcut);
                in = WIDTHS[s];
            }
        }
        return Layers.globalAveragePool(x);
    }
}
