package dev.tbar.cli;

import dev.tbar.config.Configs;
import dev.tbar.experiment.DemoAssets;
import dev.tbar.experiment.Experiment;
import dev.tbar.experiment.ExperimentConfig;
import dev.tbar.experiment.Presets;
import dev.tbar.report.Manifest;
import dev.tbar.report.RunFolder;
import dev.tbar.util.Download;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Whole loop: model -> BadNets backdoor -> TBAR and fine-tuning -> report. Without --data it"
                + " uses CIFAR-10 and a pretrained ResNet-20, downloaded once into $TBAR_CACHE (default"
                + " ~/.cache/tbar), or generated shapes with --offline or without network.")
class DemoCommand extends PipelineCommand {
    private static final Logger LOG = LoggerFactory.getLogger(DemoCommand.class);

    @Option(names = "--offline", description = "Do not download: run on generated shapes unless --data is given.")
    boolean offline;

    @Override
    String command() {
        return "demo";
    }

    @Override
    boolean implants() {
        return true;
    }

    @Override
    List<String> defenses(ExperimentConfig cfg) {
        return cfg.defenses();
    }

    /**
     * On generated shapes without given weights, a clean model is trained first (into the run folder) and the
     * backdoor implanted into it: a backdoor learnt from scratch with the task is not what TBAR (or an attacker
     * who poisons a fine-tuning run) faces.
     */
    @Override
    ExperimentConfig prepare(ExperimentConfig cfg, RunFolder run, Manifest manifest) {
        if (!cfg.data().isSynthetic() || (cfg.model().weights() != null && !cfg.model().weights().isBlank())) {
            return cfg;
        }
        Path base = run.path("clean-base.safetensors");
        ExperimentConfig clean = Configs.load(ExperimentConfig.class, cfg, null, Presets.syntheticPretrain());
        Experiment.trainCleanBase(clean, manifest, base, "generated shapes");
        ExperimentConfig ready = Configs.load(ExperimentConfig.class, cfg, null, List.of("model.weights=" + base));
        manifest.config(ready);
        return ready;
    }

    @Override
    ExperimentConfig defaults() {
        if (options.data != null) {
            return Presets.cifarDemo();
        }
        if (offline) {
            LOG.info("--offline: running on generated shapes (the report is marked SYNTHETIC)");
            return Presets.syntheticDemo();
        }
        Path cache = DemoAssets.cacheDir(System.getenv());
        var source = DemoAssets.source(System.getenv("TBAR_MIRROR"));
        if (options.dryRun) { // show what would run, without fetching it
            return Presets.downloadedDemo(cache.resolve(DemoAssets.CIFAR10.name()),
                    cache.resolve(DemoAssets.RESNET20.name()));
        }
        try {
            Duration timeout = Duration.ofSeconds(30);
            return Presets.downloadedDemo(DemoAssets.ensure(DemoAssets.CIFAR10, cache, source, timeout),
                    DemoAssets.ensure(DemoAssets.RESNET20, cache, source, timeout));
        } catch (Download.Unreachable e) {
            LOG.warn("{}: no network, so the demo runs on generated shapes (the report is marked SYNTHETIC); run"
                    + " with --offline to skip the download attempt", e.getMessage());
            return Presets.syntheticDemo();
        }
    }
}
