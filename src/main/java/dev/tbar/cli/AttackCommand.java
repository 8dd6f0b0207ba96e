package dev.tbar.cli;

import dev.tbar.experiment.ExperimentConfig;
import java.util.List;
import picocli.CommandLine.Command;

@Command(name = "attack", mixinStandardHelpOptions = true,
        description = "Fine-tune a model on poisoned data; writes backdoored.safetensors and the exact trigger.")
class AttackCommand extends PipelineCommand {
    @Override
    String command() {
        return "attack";
    }

    @Override
    boolean implants() {
        return true;
    }

    @Override
    List<String> defenses(ExperimentConfig cfg) {
        return List.of();
    }
}
