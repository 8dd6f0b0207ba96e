package dev.tbar.experiment;

import ai.djl.ndarray.NDManager;
import dev.tbar.TbarException;
import dev.tbar.attack.AttackRegistry;
import dev.tbar.attack.Poisoning;
import dev.tbar.config.Configs;
import dev.tbar.data.Concat;
import dev.tbar.data.Datasets;
import dev.tbar.data.ImageDataset;
import dev.tbar.eval.Disentanglement;
import dev.tbar.eval.Metrics;
import dev.tbar.model.StateDict;
import dev.tbar.report.Manifest;
import dev.tbar.report.RunFolder;
import dev.tbar.taskvector.TaskVector;
import dev.tbar.train.TrainResult;
import dev.tbar.unlearn.DefenseContext;
import dev.tbar.unlearn.Tbar;
import dev.tbar.util.Devices;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trigger-vector geometry: for each attack, implant the backdoor into the base theta0 (for reference), then from the
 * same theta0 fine-tune once on the defender's clean images (tau_c) and once on TBAR's trigger set (tau_t, with
 * {@code tbar.clean_mix}), both with TBAR's trigger fine-tuning settings ({@code tbar.finetune}) so they differ only
 * in their data. It measures the weight disentanglement error xi of (tau_c, tau_t) on a grid and the cosine
 * similarities of all vectors, and writes {@code analysis.json} with its report.
 */
public final class Analysis {
    private static final Logger LOG = LoggerFactory.getLogger(Analysis.class);

    /** One attack's measurements; vectors' norms are global L2 norms over all parameters. */
    public record AttackAnalysis(String attack, int triggerSetSize, int evalCleanImages, int evalTriggeredImages,
            Metrics base, Metrics backdoored, Metrics baseWithTrigger, double cleanVectorNorm,
            double triggerVectorNorm, double implantVectorNorm, double cleanTriggerCosine, double meanXi,
            double maxXi, Disentanglement.Grid grid, TrainResult triggerFinetune, String heatmap) {}

    /** Everything written to {@code analysis.json}. */
    public record Result(String model, String data, boolean synthetic, boolean pretrainedBase, double cleanMix,
            double[] coefficients, TrainResult cleanFinetune,
            List<AttackAnalysis> attacks, List<String> vectors, Map<String, Map<String, Double>> cosine) {}

    private final double[] coefs;
    private final int evalImages;

    /**
     * @param coefs the grid's coefficients a_c and a_t
     * @param evalImages validation images on which xi is measured, stratified (0 = all)
     */
    public Analysis(double[] coefs, int evalImages) {
        this.coefs = coefs;
        this.evalImages = evalImages;
    }

    /** Analyses each attack of {@code attacks} (one empty name = the configured attack) into {@code run}. */
    public List<AttackAnalysis> run(ExperimentConfig base, List<String> attacks, RunFolder run, Manifest manifest) {
        try (NDManager keep = Devices.newManager()) {
            Map<String, TaskVector> vectors = new LinkedHashMap<>();
            List<AttackAnalysis> rows = new ArrayList<>();
            TrainResult[] cleanFit = new TrainResult[1];
            List<ExperimentConfig> configs = new ArrayList<>();
            for (String attack : attacks) {
                ExperimentConfig cfg = attack.isEmpty() ? base : Configs.load(ExperimentConfig.class, base, null,
                        List.of("attack.preset=" + attack, "attack.name="));
                // a bad attack or parameter fails now rather than after the previous attacks' implant runs
                int size = cfg.data().imageSize();
                AttackRegistry.trigger(cfg.attack(), cfg.data().channels() == 1 ? 1 : 3, size, size);
                configs.add(cfg);
            }
            for (ExperimentConfig cfg : configs) {
                rows.add(analyze(cfg, manifest, run, keep, vectors, cleanFit));
            }
            Map<String, TaskVector> ordered = new LinkedHashMap<>(); // clean, then triggers, then implants
            for (String prefix : List.of("clean", "trigger:", "implant:")) {
                vectors.forEach((k, v) -> {
                    if (k.startsWith(prefix)) {
                        ordered.put(k, v);
                    }
                });
            }
            List<String> vectorNames = new ArrayList<>(ordered.keySet());
            double[][] cos = Disentanglement.cosines(ordered);
            boolean pretrained = base.model().weights() != null && !base.model().weights().isBlank();
            Result analysis = new Result(base.model().name(), base.data().isSynthetic() ? "synthetic shapes"
                    : base.data().path(), base.data().isSynthetic(), pretrained,
                    base.section(Tbar.SECTION).cleanMix(), coefs,
                    cleanFit[0], rows, vectorNames, Disentanglement.cosineTable(vectorNames, cos));
            run.writeJson("analysis.json", analysis);
            AnalysisReport.write(run, analysis, cos);
            return rows;
        }
    }

    /**
     * One attack. The clean vector is computed once (the data split and the seeds do not depend on the attack) and
     * kept, with every trigger and implant vector, on {@code keep} for the cosine matrix.
     */
    private AttackAnalysis analyze(ExperimentConfig cfg, Manifest manifest, RunFolder run, NDManager keep,
            Map<String, TaskVector> vectors, TrainResult[] cleanFit) {
        try (Experiment ex = new Experiment(cfg, manifest); StateDict theta0 = ex.baseWeights()) {
            String label = cfg.attack().preset() != null ? cfg.attack().preset() : ex.attack().attackName();
            LOG.info("analyze {}: implanting the backdoor for reference", label);
            TrainResult[] implantFit = new TrainResult[1];
            DefenseContext ctx = new DefenseContext(ex.model(), theta0, ex.defenderSet(), ex.trigger(),
                    ex.attack().target(),
                    ex.validation(), ex.augment(), cfg.seedFor("defense", 0), null);
            ImageDataset images = ctx.cleanImages(cfg.section(Tbar.SECTION).triggerSetSize());
            ImageDataset evalClean = evalImages == 0 || evalImages >= ex.validation().clean().size()
                    ? ex.validation().clean() : Datasets.sample(ex.validation().clean(), evalImages,
                            cfg.seedFor("analyze", 0));
            ImageDataset evalTriggered = Poisoning.triggeredTestSet(evalClean, ex.trigger(), ex.attack().target());
            if (evalTriggered.size() == 0) {
                throw new TbarException("analyze: no non-target validation images to put the trigger on; raise"
                        + " --eval-images or split.validation_fraction");
            }
            try (StateDict bd = ex.implant(theta0, null, implantFit)) {
                TaskVector implant = TaskVector.between(theta0, bd, keep);
                vectors.put("implant:" + label, implant);
                Metrics bdMetrics = Metrics.of(ex.model(), bd, evalClean, evalTriggered);
                Metrics baseMetrics = Metrics.of(ex.model(), theta0, evalClean, evalTriggered);
                if (!vectors.containsKey("clean")) {
                    LOG.info("analyze: clean task vector from {} defender images", images.size());
                    try (StateDict ft = ctx.finetuneCopy(images, cfg.section(Tbar.SECTION).finetune(),
                            "analyze clean fine-tuning",
                            cleanFit)) {
                        vectors.put("clean", TaskVector.between(theta0, ft, keep));
                    }
                }
                TaskVector tauC = vectors.get("clean");
                TrainResult[] triggerFit = new TrainResult[1];
                TaskVector tauT;
                try (StateDict ft = ctx.finetuneCopy(triggerSet(cfg, ctx, images), cfg.section(Tbar.SECTION).finetune(),
                        "analyze trigger fine-tuning", triggerFit)) {
                    tauT = TaskVector.between(theta0, ft, keep);
                }
                vectors.put("trigger:" + label, tauT);
                Metrics withTrigger;
                try (StateDict w = tauT.applyTo(theta0, 1)) {
                    withTrigger = Metrics.of(ex.model(), w, evalClean, evalTriggered);
                }
                LOG.info("analyze {}: xi over a {}x{} grid on {} clean and {} triggered validation images", label,
                        coefs.length, coefs.length, evalClean.size(), evalTriggered.size());
                Disentanglement.Grid grid;
                try (var t = manifest.timings().phase("disentanglement")) {
                    grid = Disentanglement.compute(ex.model(), theta0, tauC, tauT, evalClean, evalTriggered, coefs,
                            coefs);
                }
                String png = AnalysisReport.heatmap(run, label, grid);
                LOG.info(String.format(java.util.Locale.ROOT, "analyze %s: mean xi %.4f, max xi %.4f, cos(tau_c,"
                        + " tau_t) %.4f", label, grid.meanXi(), grid.maxXi(), tauC.cosine(tauT)));
                return new AttackAnalysis(label, images.size(), evalClean.size(), evalTriggered.size(), baseMetrics,
                        bdMetrics, withTrigger, tauC.norm(), tauT.norm(), implant.norm(), tauC.cosine(tauT),
                        grid.meanXi(), grid.maxXi(), grid, triggerFit[0], png);
            }
        }
    }

    /** TBAR's trigger set, with its {@code tbar.clean_mix} share of clean images (same sampling as the defense). */
    private static ImageDataset triggerSet(ExperimentConfig cfg, DefenseContext ctx, ImageDataset images) {
        ImageDataset set = Poisoning.triggerSet(images, ctx.trigger(), ctx.targetClass());
        if (cfg.section(Tbar.SECTION).cleanMix() > 0) {
            int n = (int) Math.round(cfg.section(Tbar.SECTION).cleanMix() * images.size());
            set = new Concat(set, n >= images.size() ? images : Datasets.sample(images, n, ctx.seed() + 2));
        }
        return set;
    }
}
