package dev.tbar.cli;

import dev.tbar.config.Configs;
import dev.tbar.experiment.ExperimentConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options shared by the commands that run an experiment: a config file, overrides and common shortcuts. */
final class ConfigOptions {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "YAML or JSON experiment config.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a config key, e.g. --set tbar.ca_threshold=0.9 (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--data", paramLabel = "PATH",
            description = "ImageFolder directory or archive (train/<class>/..., test/<class>/...); default: synthetic.")
    String data;

    @Option(names = "--model", paramLabel = "NAME", description = "Model name (resnet20, resnet56, preact-resnet18,"
            + " vit-tiny, ...; see tbar info), torchscript with --weights a TorchScript file, or clip with --weights a"
            + " CLIP checkpoint.")
    String model;

    @Option(names = "--weights", paramLabel = "FILE", description = "Starting weights: safetensors, a PyTorch state"
            + " dict (.pt/.pth/.th, read without running pickle code; BackdoorBench's attack_result.pt too), or the"
            + " TorchScript file for --model torchscript.")
    String weights;

    @Option(names = "--attack", paramLabel = "PRESET", description = "Attack preset, e.g. badnets-cifar, blended-cifar.")
    String attack;

    @Option(names = "--seed", description = "Master seed: every random choice derives from it.")
    Long seed;

    @Option(names = "--dry-run", description = "Print the resolved configuration and exit.")
    boolean dryRun;

    /** Defaults, then the file, then shortcuts, then --set (most specific last). */
    ExperimentConfig resolve(ExperimentConfig defaults) {
        List<String> all = new ArrayList<>();
        if (data != null) {
            all.add("data.format=imagefolder");
            all.add("data.path=" + data);
        }
        if (model != null) {
            all.add("model.name=" + model);
        }
        if (weights != null) {
            all.add("model.weights=" + weights);
        }
        if (attack != null) {
            all.add("attack.preset=" + attack);
            all.add("attack.name=");
        }
        if (seed != null) {
            all.add("seed=" + seed);
        }
        all.addAll(sets);
        return Configs.load(ExperimentConfig.class, defaults, config, all);
    }

    /** With --dry-run, prints the resolved config as YAML to {@code out} and returns true: the command stops. */
    boolean printIfDryRun(ExperimentConfig cfg, java.io.PrintWriter out) {
        if (dryRun) {
            out.print(Configs.toYaml(cfg));
            out.flush();
        }
        return dryRun;
    }
}
