package dev.tbar.cli;

import dev.tbar.attack.AttackRegistry;
import dev.tbar.experiment.ModelFactory;
import dev.tbar.model.ModelRegistry;
import dev.tbar.report.Versions;
import dev.tbar.unlearn.Defenses;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Versions of tbar and its engine, and what the registries hold. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show versions, engine and known names.")
class InfoCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        var o = spec.commandLine().getOut();
        Versions v = Versions.detect();
        o.println("tbar " + v.tbar());
        o.println("java " + v.java() + ", " + v.os() + " " + v.arch() + ", " + v.cores() + " cores");
        o.println("engine " + v.engine() + " " + v.engineVersion() + " (DJL " + v.djl() + ")");
        o.println("device " + v.device());
        o.println("models: " + String.join(", ", ModelRegistry.names()) + ", " + ModelFactory.TORCHSCRIPT
                + " (model.weights = your TorchScript classifier), " + ModelFactory.CLIP
                + " (model.weights = a CLIP checkpoint)");
        o.println("attacks: " + String.join(", ", AttackRegistry.attacks()));
        o.println("attack presets: " + String.join(", ", AttackRegistry.presets()));
        o.println("defenses: " + String.join(", ", Defenses.names()));
        o.flush();
    }

    /** picocli's --version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"tbar " + Versions.detect().tbar()};
        }
    }
}
