package dev.tbar.model;

import dev.tbar.TbarException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntFunction;

/** Models by name. Adding an architecture is one entry here plus its class. */
public final class ModelRegistry {
    private static final Map<String, IntFunction<ImageClassifier>> MODELS = new LinkedHashMap<>();

    static {
        for (int depth : new int[] {8, 20, 32, 44, 56}) {
            MODELS.put("resnet" + depth, classes -> new ResNetCifar(depth, classes, Normalization.IMAGENET));
        }
        MODELS.put("preact-resnet18", classes -> new PreActResNet18(classes, 32, PreActResNet18.CIFAR10));
        MODELS.put("vit-tiny", classes -> new VisionTransformer("vit-tiny", VisionTransformer.Config.TINY, classes,
                Normalization.IMAGENET));
        MODELS.put("vit-micro", classes -> new VisionTransformer("vit-micro", VisionTransformer.Config.MICRO, classes,
                Normalization.IMAGENET));
    }

    private ModelRegistry() {}

    /** Registers a model factory taking the number of classes. */
    public static void register(String name, IntFunction<ImageClassifier> factory) {
        MODELS.put(name, factory);
    }

    public static ImageClassifier create(String name, int numClasses) {
        IntFunction<ImageClassifier> f = MODELS.get(name);
        if (f == null) {
            throw new TbarException("unknown model '" + name + "'; known models: " + String.join(", ", MODELS.keySet()));
        }
        return f.apply(numClasses);
    }

    public static java.util.Set<String> names() {
        return MODELS.keySet();
    }
}
