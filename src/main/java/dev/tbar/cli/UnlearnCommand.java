package dev.tbar.cli;

import dev.tbar.experiment.ExperimentConfig;
import java.util.List;
import picocli.CommandLine.Command;

@Command(name = "unlearn", mixinStandardHelpOptions = true,
        description = "Remove a backdoor from --weights with TBAR (trigger vector subtraction, alpha on validation).")
class UnlearnCommand extends PipelineCommand {
    @Override
    String command() {
        return "unlearn";
    }

    @Override
    boolean implants() {
        return false;
    }

    @Override
    List<String> defenses(ExperimentConfig cfg) {
        return List.of("tbar");
    }
}
