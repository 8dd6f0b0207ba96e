package dev.tbar.cli;

import dev.tbar.data.DatasetConfig;
import dev.tbar.train.TrainConfig;
import java.util.List;

/** Ready-made experiment settings for the demo; every value can still be overridden with --config or --set. */
final class Presets {
    private Presets() {}

    /** No data at hand: a ResNet-20 trained from scratch on generated shapes, backdoored while it learns. */
    static ExperimentConfig syntheticDemo() {
        ExperimentConfig d = ExperimentConfig.defaults();
        TrainConfig implant = d.implant().with("epochs", 6).with("lr", 0.05).with("warmup", 0.05);
        return new ExperimentConfig(d.seed(), DatasetConfig.synthetic(), d.model(), d.attack(),
                new ExperimentConfig.SplitConfig(0.1, 0.5, 0, 0), implant, false, d.defenses(), d.tbar(),
                d.finetune(), d.finePruning());
    }

    /**
     * Real CIFAR-10 (an ImageFolder tree or archive): the pretrained ResNet-20 is fine-tuned on 10,000 poisoned
     * attacker images for two epochs (lr 0.05, no augmentation), which takes a few minutes on two cores.
     */
    static ExperimentConfig cifarDemo() {
        ExperimentConfig d = ExperimentConfig.defaults();
        // The attacker trains without augmentation: random crops and flips would move the patch around.
        TrainConfig implant = d.implant().with("lr", 0.05);
        return new ExperimentConfig(d.seed(), DatasetConfig.imageFolder(""), d.model(), d.attack(),
                new ExperimentConfig.SplitConfig(0.04, 0.5, 10_000, 0), implant, false, d.defenses(), d.tbar(),
                d.finetune(), d.finePruning());
    }

    /**
     * The benchmark setting: the shared CIFAR-10 JPEGs and the pretrained ResNet-56 (paths relative to a checkout
     * with ../shared beside it), 10,000 attacker images fine-tuned for two epochs, 5,000 test images.
     */
    static ExperimentConfig cifarBench() {
        ExperimentConfig d = cifarDemo();
        return new ExperimentConfig(d.seed(), DatasetConfig.imageFolder("../shared/data/cifar10-jpg.tar.gz"),
                new ExperimentConfig.ModelConfig("resnet56", "../shared/models/resnet56-4bfd9763.safetensors"),
                d.attack(), new ExperimentConfig.SplitConfig(0.04, 0.5, 10_000, 5_000), d.implant(), false,
                d.defenses(),
                d.tbar(), d.finetune(), d.finePruning());
    }

    /**
     * GTSRB (official layout, ROI-cropped, 32 px, 43 classes) with a ResNet-20. No public pretrained model exists, so
     * the weights are empty: the benchmark first trains a clean base on all attacker-side images ({@link
     * #gtsrbPretrain}) and then backdoors it exactly like the CIFAR-10 setting.
     */
    static ExperimentConfig gtsrbBench() {
        ExperimentConfig d = cifarBench();
        return new ExperimentConfig(d.seed(), DatasetConfig.of("gtsrb", "../shared/data/gtsrb.tar.xz"),
                new ExperimentConfig.ModelConfig("resnet20", ""), d.attack(), d.split(), d.implant(), false,
                d.defenses(), d.tbar(), d.finetune(), d.finePruning());
    }

    /**
     * How the benchmark trains the clean GTSRB base from a seeded init, as overrides of the benchmark settings: every
     * attacker-side image, nothing poisoned, SGD with warmup and cosine decay.
     */
    static List<String> gtsrbPretrain() {
        return List.of("attack.poison_rate=0", "split.attacker_limit=0", "implant.epochs=6", "implant.lr=0.1",
                "implant.batch_size=128", "implant.warmup=0.05");
    }
}
