package dev.tbar.cli;

import dev.tbar.experiment.ExperimentConfig;
import dev.tbar.experiment.Presets;
import java.util.List;
import picocli.CommandLine.Command;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Whole loop: model -> BadNets backdoor -> TBAR and fine-tuning -> report (synthetic data unless"
                + " --data is given).")
class DemoCommand extends PipelineCommand {
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

    @Override
    ExperimentConfig defaults() {
        return options.data == null ? Presets.syntheticDemo() : Presets.cifarDemo();
    }
}
