package dev.tbar.experiment;

import dev.tbar.config.Configs;
import java.nio.file.Path;
import java.util.List;

/**
 * Ready-made experiment settings for the demo and the benchmark, each written as overrides of the defaults (the same
 * {@code key=value} form as --set), so adding a config section never touches them. Every value can still be
 * overridden with --config or --set.
 */
public final class Presets {
    private Presets() {}

    /**
     * No data at hand: a ResNet-20 first trained clean on generated shapes ({@link #syntheticPretrain}), then
     * backdoored by fine-tuning it on poisoned shapes, as the CIFAR-10 demo backdoors a pretrained model.
     */
    public static ExperimentConfig syntheticDemo() {
        return derive(ExperimentConfig.defaults(), "implant.epochs=4", "implant.lr=0.1", "implant.warmup=0",
                "split.defender_fraction=0.1", "augment=false");
    }

    /** How the synthetic demo trains its clean model from a seeded init, as overrides of {@link #syntheticDemo}. */
    public static List<String> syntheticPretrain() {
        return List.of("attack.poison_rate=0", "implant.epochs=6", "implant.lr=0.05", "implant.warmup=0.05");
    }

    /**
     * Real CIFAR-10 (an ImageFolder tree or archive): the pretrained ResNet-20 is fine-tuned on 10,000 poisoned
     * attacker images for two epochs (lr 0.05, no augmentation), which takes a few minutes on two cores.
     */
    public static ExperimentConfig cifarDemo() {
        // The attacker trains without augmentation: random crops and flips would move the patch around.
        return derive(ExperimentConfig.defaults(), "data.format=imagefolder", "data.path=", "data.train_size=0",
                "data.test_size=0", "implant.lr=0.05", "split.attacker_limit=10000", "augment=false");
    }

    /** {@link #cifarDemo} on CIFAR-10's binary release with akamaster's pretrained ResNet-20 (both downloaded). */
    public static ExperimentConfig downloadedDemo(Path cifarBinary, Path resnet20) {
        return derive(cifarDemo(), "data.format=cifar10-bin", "data.path=" + cifarBinary, "model.name=resnet20",
                "model.weights=" + resnet20);
    }

    /**
     * The benchmark setting: the shared CIFAR-10 JPEGs and the pretrained ResNet-56 (paths relative to a checkout
     * with ../shared beside it), 10,000 attacker images fine-tuned for two epochs, 5,000 test images.
     */
    public static ExperimentConfig cifarBench() {
        return derive(cifarDemo(), "data.path=../shared/data/cifar10-jpg.tar.gz", "model.name=resnet56",
                "model.weights=../shared/models/resnet56-4bfd9763.safetensors", "split.test_limit=5000");
    }

    /**
     * GTSRB (official layout, ROI-cropped, 32 px, 43 classes) with a ResNet-20. No public pretrained model exists, so
     * the weights are empty: the benchmark first trains a clean base on all attacker-side images ({@link
     * #gtsrbPretrain}) and then backdoors it exactly like the CIFAR-10 setting.
     */
    public static ExperimentConfig gtsrbBench() {
        return derive(cifarBench(), "data.format=gtsrb", "data.path=../shared/data/gtsrb.tar.xz",
                "model.name=resnet20", "model.weights=");
    }

    /**
     * How the benchmark trains the clean GTSRB base from a seeded init, as overrides of the benchmark settings: every
     * attacker-side image, nothing poisoned, SGD with warmup and cosine decay.
     */
    public static List<String> gtsrbPretrain() {
        return List.of("attack.poison_rate=0", "split.attacker_limit=0", "implant.epochs=6", "implant.lr=0.1",
                "implant.batch_size=128", "implant.warmup=0.05");
    }

    private static ExperimentConfig derive(ExperimentConfig base, String... overrides) {
        return Configs.load(ExperimentConfig.class, base, null, List.of(overrides));
    }
}
