package dev.tbar.cli;

import dev.tbar.eval.Metrics;
import dev.tbar.experiment.Experiment;
import dev.tbar.experiment.ExperimentConfig;
import dev.tbar.model.StateDict;
import dev.tbar.report.Json;
import dev.tbar.report.Manifest;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** Clean accuracy of --weights on the test split, and the attack's ASR when an attack is configured. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Measure CA (and ASR for the configured attack) of --weights on the test split.")
class EvalCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions options;

    @CommandLine.Option(names = "--json", description = "Print the metrics as JSON.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ExperimentConfig cfg = options.resolve(ExperimentConfig.defaults());
        var o = spec.commandLine().getOut();
        if (options.printIfDryRun(cfg, o)) {
            return 0;
        }
        Manifest manifest = Manifest.start("eval", List.of());
        try (Experiment ex = new Experiment(cfg, manifest); StateDict w = ex.baseWeights()) {
            Metrics m = ex.evaluate(w);
            if (json) {
                o.print(Json.pretty(m));
            } else {
                o.printf("%s on %s (%d test images): CA %s, ASR %s (%s, target %d)%n", ex.model().name(),
                        cfg.data().isSynthetic() ? "synthetic data" : cfg.data().path(), ex.test().size(),
                        Experiment.pct(m.ca()), Experiment.pct(m.asr()), ex.attack().describe(),
                        ex.attack().target());
            }
            o.flush();
            return 0;
        }
    }
}
