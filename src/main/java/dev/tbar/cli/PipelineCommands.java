package dev.tbar.cli;

import java.util.List;
import picocli.CommandLine.Command;

/** The four pipeline commands; they differ only in whether they implant and which defenses they run. */
final class PipelineCommands {
    private PipelineCommands() {}
}

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
