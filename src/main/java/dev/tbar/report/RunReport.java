package dev.tbar.report;

import dev.tbar.eval.DefenseResult;
import dev.tbar.eval.Metrics;
import dev.tbar.eval.RunResults;
import dev.tbar.unlearn.AlphaPoint;
import dev.tbar.unlearn.DecreeDetection;
import dev.tbar.unlearn.DefenseDetails;
import dev.tbar.unlearn.InversionReport;
import dev.tbar.unlearn.Tbar;
import dev.tbar.unlearn.TriggerInversion;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns a run's results into report.md / report.html with plots: CA and ASR vs alpha, CA vs ASR per defense. */
public final class RunReport {
    private RunReport() {}

    public static void write(RunFolder run, RunResults r, String command) {
        Report rep = new Report("tbar " + command + ": " + r.attack() + " on " + r.dataset());
        if (r.syntheticData()) {
            rep.warning("SYNTHETIC DATA: these numbers come from generated shapes, not a real dataset. Point tbar at"
                    + " real data (e.g. --data cifar10-jpg.tar.gz) for meaningful results.");
        }
        Map<String, Object> setup = new LinkedHashMap<>();
        setup.put("Dataset", r.dataset());
        setup.put("Model", r.model());
        setup.put("Attack", r.attack() + ", target class " + r.target());
        setup.put("Poisoned training set", r.poisonedTrainingSetSize() + " images");
        setup.put("Test images", r.testImages() + " (ASR over the non-target ones)");
        rep.heading(2, "Setup").keyValues(setup);

        rep.heading(2, "Results on the test split");
        List<List<String>> rows = new ArrayList<>();
        if (r.pretrained() != null) {
            rows.add(row("starting weights", r.pretrained(), "", "", "", "", "", "", ""));
        }
        if (r.backdoored() != null) {
            rows.add(row("backdoored", r.backdoored(), "100.00%", "0.00%", "", "", "", "", ""));
        }
        for (DefenseResult d : r.defenses()) {
            rows.add(row(d.defense(), d.test(), Format.fixed(d.caRetention(), 2) + "%",
                    Format.fixed(d.asrReduction(), 2) + "%", Format.fixed(d.der(), 3),
                    Double.isNaN(d.regainedAsr()) ? "" : Format.percent(d.regainedAsr()),
                    d.imagesUsed() + " (" + Format.percent(d.dataFraction()) + ")", Long.toString(d.steps()),
                    Format.duration(d.seconds())));
        }
        rep.table(List.of("model", "CA", "ASR", "RA", "CA retention", "ASR reduction", "DER", "regained ASR",
                "images used (of poisoned set)", "steps", "time"), rows);
        rep.paragraph("CA: clean accuracy. ASR: attack success rate, the share of triggered non-target test images"
                + " classified as the target. RA: robust accuracy, the same images classified as their true class."
                + " Retention, reduction and DER (BackdoorBench's defense effectiveness rating) are relative to the"
                + " backdoored model. Regained ASR: test ASR after a short retuning on a few poisoned images"
                + " (post-purification robustness).");

        for (DefenseResult d : r.defenses()) {
            DefenseDetails own = d.details();
            if (own instanceof InversionReport.Inverted inv) {
                inversionSection(rep, d.defense(), inv.inversion());
                own = inv.defense();
            }
            if (own instanceof Tbar.Details t && !t.sweep().isEmpty()) {
                alphaSection(run, rep, d.defense(), t);
            }
        }
        if (r.backdoored() != null && !r.defenses().isEmpty()) {
            LinkedHashMap<String, List<Plots.Point>> groups = new LinkedHashMap<>();
            groups.put("backdoored", List.of(new Plots.Point(r.backdoored().asr(), r.backdoored().ca(), "backdoored")));
            for (DefenseResult d : r.defenses()) {
                groups.put(d.defense(), List.of(new Plots.Point(d.test().asr(), d.test().ca(), d.defense())));
            }
            Plots.scatter(run.path("ca-vs-asr.png"), "Clean accuracy vs attack success rate (test)", "ASR", "CA",
                    groups, Plots.Options.standard().withPercentX().withPercentY());
            rep.heading(2, "Defenses compared").figure("ca-vs-asr.png",
                    "Test CA against test ASR: up and to the left is better.");
        }
        rep.writeTo(run);
    }

    private static void alphaSection(RunFolder run, Report rep, String defense, Tbar.Details t) {
        List<AlphaPoint> sweep = t.sweep();
        double[] a = sweep.stream().mapToDouble(AlphaPoint::alpha).toArray();
        LinkedHashMap<String, double[][]> series = new LinkedHashMap<>();
        series.put("validation CA", new double[][] {a, sweep.stream().mapToDouble(AlphaPoint::ca).toArray()});
        series.put("validation ASR", new double[][] {a, sweep.stream().mapToDouble(AlphaPoint::asr).toArray()});
        double alpha = t.alpha();
        String file = defense + "-alpha-sweep.png";
        Plots.lines(run.path(file), "theta_bd - alpha * tau: validation CA and ASR", "alpha", "accuracy", series,
                Plots.Options.standard().withPercentY().withMarker(alpha, "chosen alpha = " + Format.fixed(alpha, 3)));
        rep.heading(2, "Alpha sweep (" + defense + ")")
                .paragraph("alpha is chosen on the defender's validation split only: the lowest validation ASR whose"
                        + " validation CA stays above " + Format.percent(t.validationCaFloor()) + ". Chosen alpha: "
                        + Format.fixed(alpha, 3) + ".")
                .figure(file, "Validation CA and ASR as the trigger vector is subtracted with growing alpha.");
    }

    /** How the unknown trigger was found, next to the truth the defense was not told. */
    private static void inversionSection(Report rep, String defense, InversionReport inv) {
        String found;
        if (inv instanceof DecreeDetection.Report d) {
            found = "DECREE on the defender's " + d.imagesUsed() + " clean images: the smallest trigger that collapses"
                    + " the model's features covers a PL1-norm of " + Format.fixed(d.pl1(), 4) + " (mean cosine "
                    + Format.fixed(d.meanCosine(), 3) + "), " + (d.flagged() ? "below " : "not below ")
                    + Format.fixed(d.flagThreshold(), 2) + (d.flagged() ? ": flagged as backdoored" : ": not flagged")
                    + "; the backdoored model sends " + Format.percent(d.majorityShare()) + " of images carrying it";
        } else {
            TriggerInversion.Report nc = (TriggerInversion.Report) inv; // the only other kind (sealed)
            found = "Neural Cleanse on the defender's " + nc.imagesUsed() + " clean images " + (nc.flagged()
                    ? "flagged class " + nc.candidate() : "flagged no class (the smallest mask is class "
                            + nc.candidate() + ")") + ", anomaly index " + Format.fixed(nc.anomalyIndex(), 2)
                    + "; the backdoored model sends " + Format.percent(nc.majorityShare()) + " of triggered images";
        }
        rep.heading(2, "Trigger inversion (" + defense + ")").paragraph(found + " to class " + inv.detectedTarget()
                + ", used as the target. The true target is " + inv.trueTarget() + ": the detection is "
                + (inv.detectionCorrect() ? "right" : "wrong") + ".");
    }

    private static List<String> row(String name, Metrics m, String ret, String red, String der, String regained,
            String data, String steps, String time) {
        return List.of(name, Format.percent(m.ca()), Format.percent(m.asr()),
                Double.isNaN(m.ra()) ? "" : Format.percent(m.ra()), ret, red, der, regained, data, steps, time);
    }
}
