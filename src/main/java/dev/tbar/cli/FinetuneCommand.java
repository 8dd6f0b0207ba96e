package dev.tbar.cli;

import dev.tbar.experiment.ExperimentConfig;
import java.util.List;
import picocli.CommandLine.Command;

@Command(name = "finetune", mixinStandardHelpOptions = true,
        description = "Baseline defense: fine-tune --weights on the defender's clean images.")
class FinetuneCommand extends PipelineCommand {
    @Override
    String command() {
        return "finetune";
    }

    @Override
    boolean implants() {
        return false;
    }

    @Override
    List<String> defenses(ExperimentConfig cfg) {
        return List.of("finetune");
    }
}
