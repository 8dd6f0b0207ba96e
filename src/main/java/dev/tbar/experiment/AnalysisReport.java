package dev.tbar.experiment;

import dev.tbar.eval.Disentanglement;
import dev.tbar.report.Format;
import dev.tbar.report.Plots;
import dev.tbar.report.Report;
import dev.tbar.report.RunFolder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The heat maps and the report of {@code tbar analyze}. */
final class AnalysisReport {
    private AnalysisReport() {}

    /** Writes the xi heat map of one attack; returns its name inside the run folder. */
    static String heatmap(RunFolder run, String attack, Disentanglement.Grid g) {
        String name = "xi-" + attack.replaceAll("[^A-Za-z0-9._-]", "_") + ".png";
        Plots.heatmap(run.path(name), "Disentanglement error xi: " + attack, "clean coefficient a_c",
                "trigger coefficient a_t", ticks(g.cleanCoefs()), ticks(g.triggerCoefs()), g.xi(),
                Plots.Options.standard());
        return name;
    }

    static void write(RunFolder run, Analysis.Result a, double[][] cos) {
        Report rep = new Report("tbar analyze: " + a.model() + " on " + a.data());
        if (a.synthetic()) {
            rep.warning("Synthetic data: these numbers describe generated shapes, not a real dataset.");
        }
        if (!a.pretrainedBase()) {
            rep.warning("theta0 is a random initialisation (no model.weights): any fine-tuning changes most of its"
                    + " predictions, so xi is large everywhere. Give pretrained weights for a meaningful analysis.");
        }
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("Model", a.model());
        setup.put("Grid", a.coefficients().length + " x " + a.coefficients().length + " coefficients in ["
                + Format.fixed(a.coefficients()[0], 2) + ", "
                + Format.fixed(a.coefficients()[a.coefficients().length - 1], 2) + "]");
        setup.put("Vectors", "tau_c and tau_t fine-tuned from the same base theta0 with tbar.finetune, on the"
                + " defender's clean images and on the same images with the trigger (labelled with the target)"
                + (a.cleanMix() > 0 ? ", plus " + Format.percent(a.cleanMix(), 0) + " of them clean (tbar.clean_mix)"
                        : ""));
        rep.heading(2, "Setup").keyValues(setup);
        rep.paragraph("xi(a_c, a_t) is the rate at which theta0 + a_c tau_c + a_t tau_t disagrees with"
                + " theta0 + a_c tau_c on clean validation images, plus the rate at which it disagrees with"
                + " theta0 + a_t tau_t on triggered ones (0 = disentangled, at most 2). Validation images only.");

        List<List<String>> rows = new ArrayList<>();
        for (Analysis.AttackAnalysis r : a.attacks()) {
            rows.add(List.of(r.attack(), Format.percent(r.backdoored().ca()), Format.percent(r.backdoored().asr()),
                    Format.percent(r.baseWithTrigger().ca()), Format.percent(r.baseWithTrigger().asr()),
                    Format.fixed(r.cleanVectorNorm(), 4), Format.fixed(r.triggerVectorNorm(), 4),
                    Format.fixed(r.cleanTriggerCosine(), 4),
                    Format.fixed(r.meanXi(), 4), Format.fixed(r.maxXi(), 4)));
        }
        rep.heading(2, "Per attack (validation)").table(List.of("attack", "theta_bd CA", "theta_bd ASR",
                "theta0 + tau_t CA", "theta0 + tau_t ASR", "|tau_c|", "|tau_t|", "cos(tau_c, tau_t)", "mean xi",
                "max xi"), rows);
        for (Analysis.AttackAnalysis r : a.attacks()) {
            rep.figure(r.heatmap(), "Disentanglement error of tau_c and tau_t for " + r.attack() + " ("
                    + r.evalCleanImages() + " clean, " + r.evalTriggeredImages() + " triggered images)");
        }

        List<String> names = a.vectors();
        List<List<String>> cosRows = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            List<String> row = new ArrayList<>();
            row.add(names.get(i));
            for (int j = 0; j < names.size(); j++) {
                row.add(Format.fixed(cos[i][j], 3));
            }
            cosRows.add(row);
        }
        List<String> header = new ArrayList<>();
        header.add("");
        header.addAll(names);
        rep.heading(2, "Cosine similarity of task vectors").paragraph("clean = tau_c; trigger:X = tau_t of"
                + " attack X; implant:X = theta_bd - theta0, the attacker's own fine-tuning.").table(header, cosRows);
        // vector names are long ("trigger:badnets-cifar"): widen the chart so the column labels do not overlap
        Plots.Options size = Plots.Options.standard().withSize(Math.max(Plots.WIDTH, 180 * names.size() + 260),
                Math.max(Plots.HEIGHT, 70 * names.size() + 160));
        Plots.heatmap(run.path("cosine.png"), "Cosine similarity of task vectors", "vector", "vector", names, names,
                cos, size);
        rep.figure("cosine.png", "Cosine similarity between the clean, trigger and implant vectors");
        rep.writeTo(run);
    }

    private static List<String> ticks(double[] v) {
        List<String> out = new ArrayList<>();
        for (double d : v) {
            out.add(Format.fixed(d, 2));
        }
        return out;
    }
}
