package dev.tbar.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The CIFAR ResNets of He et al. (2016), depth 6n+2: a 3x3 stem with 16 channels, three stages of n basic blocks
 * with 16/32/64 channels (stride 2 at stages 2 and 3), global average pooling and a linear head. Shortcuts use
 * "option A": on a stride or width change, take every second pixel and zero-pad the new channels, so the shortcut has
 * no weights. Tensor names match the widely used akamaster checkpoints ({@code layer2.0.conv1.weight}, ...).
 */
public final class ResNetCifar implements ImageClassifier {
    private static final int[] WIDTHS = {16, 32, 64};

    private final int depth;
    private final int blocksPerStage;
    private final int numClasses;
    private final Normalization normalization;
    private final LinkedHashMap<String, Shape> params = new LinkedHashMap<>();
    private final LinkedHashMap<String, Shape> buffers = new LinkedHashMap<>();

    public ResNetCifar(int depth, int numClasses, Normalization normalization) {
        if (depth < 8 || (depth - 2) % 6 != 0) {
            throw new IllegalArgumentException("CIFAR ResNet depth must be 6n+2 (20, 32, 44, 56, ...), got " + depth);
        }
        this.depth = depth;
        this.blocksPerStage = (depth - 2) / 6;
        this.numClasses = numClasses;
        this.normalization = normalization;
        conv("conv1", 16, 3);
        bn("bn1", 16);
        int in = 16;
        for (int s = 0; s < 3; s++) {
            for (int b = 0; b < blocksPerStage; b++) {
                String p = "layer" + (s + 1) + "." + b;
                conv(p + ".conv1", WIDTHS[s], in);
                bn(p + ".bn1", WIDTHS[s]);
                conv(p + ".conv2", WIDTHS[s], WIDTHS[s]);
                bn(p + ".bn2", WIDTHS[s]);
                in = WIDTHS[s];
            }
        }
        params.put("linear.weight", new Shape(numClasses, 64));
        params.put("linear.bias", new Shape(numClasses));
    }

    private void conv(String name, int out, int in) {
        params.put(name + ".weight", new Shape(out, in, 3, 3));
    }

    private void bn(String name, int c) {
        params.put(name + ".weight", new Shape(c));
        params.put(name + ".bias", new Shape(c));
        buffers.put(name + ".running_mean", new Shape(c));
        buffers.put(name + ".running_var", new Shape(c));
    }

    @Override
    public String name() {
        return "resnet" + depth;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public int[] inputShape() {
        return new int[] {3, 32, 32};
    }

    @Override
    public Map<String, Shape> parameterShapes() {
        return params;
    }

    @Override
    public Map<String, Shape> bufferShapes() {
        return buffers;
    }

    @Override
    public StateDict initialize(NDManager manager, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        StateDict w = new StateDict(manager);
        NDManager m = w.manager();
        params.forEach((name, shape) -> {
            NDArray v;
            if (name.startsWith("linear.")) {
                // PyTorch's nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)); akamaster re-inits weight as He
                v = name.endsWith("weight") ? Init.kaimingNormal(m, shape, rnd)
                        : Init.uniform(m, shape, 1 / Math.sqrt(64), rnd);
            } else if (shape.dimension() == 4) {
                v = Init.kaimingNormal(m, shape, rnd);
            } else {
                v = name.endsWith(".weight") ? m.ones(shape) : m.zeros(shape);
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

    /** The 64 globally pooled channels of the last block. */
    @Override
    public NDArray features(StateDict w, NDArray pixels, boolean training) {
        NDArray x = normalization.apply(pixels);
        x = Activation.relu(Layers.batchNorm(w, "bn1", Layers.conv2d(w, "conv1", x, 1, 1, false), training));
        int in = 16;
        for (int s = 0; s < 3; s++) {
            for (int b = 0; b < blocksPerStage; b++) {
                int stride = (s > 0 && b == 0) ? 2 : 1;
                x = block(w, "layer" + (s + 1) + "." + b, x, in, WIDTHS[s], stride, training);
                in = WIDTHS[s];
            }
        }
        return Layers.globalAveragePool(x);
    }

    private static NDArray block(StateDict w, String p, NDArray x, int in, int out, int stride, boolean training) {
        NDArray y = Activation.relu(Layers.batchNorm(w, p + ".bn1", Layers.conv2d(w, p + ".conv1", x, stride, 1, false),
                training));
        y = Layers.batchNorm(w, p + ".bn2", Layers.conv2d(w, p + ".conv2", y, 1, 1, false), training);
        NDArray shortcut = x;
        if (stride != 1 || in != out) {
            NDArray sub = x.get(":, :, ::2, ::2");
            Shape s = sub.getShape();
            NDArray zeros = sub.getManager().zeros(new Shape(s.get(0), out / 4, s.get(2), s.get(3)));
            shortcut = NDArrays.concat(new NDList(zeros, sub, zeros), 1);
        }
        return Activation.relu(y.add(shortcut));
    }
}
