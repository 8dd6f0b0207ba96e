package dev.tbar.cli;

import dev.tbar.data.DatasetConfig;
import dev.tbar.train.TrainConfig;

/** Ready-made experiment settings for the demo; every value can still be overridden with --config or --set. */
final class Presets {
    private Presets() {}

    /** No data at hand: a ResNet-20 trained from scratch on generated shapes, backdoored while it learns. */
    static ExperimentConfig syntheticDemo() {
        ExperimentConfig d = ExperimentConfig.defaults();
        TrainConfig implant = d.implant().with("epochs", 6).with("lr", 0.05).with("warmup", 0.05);
        return new ExperimentConfig(d.seed(), DatasetConfig.synthetic(), d.model(), d.attack(),
                new ExperimentConfig.SplitConfig(0.1, 0.5, 0, 0), implant, false, d.defenses(), d.tbar(),
                d.finetune(), d.cleanclip());
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
                d.finetune(), d.cleanclip());
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
                d.tbar(), d.finetune(), d.cleanclip());
    }
}
