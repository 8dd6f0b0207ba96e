package dev.tbar.unlearn;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.tbar.TbarException;
import dev.tbar.attack.Poisoning;
import dev.tbar.config.ImageBudget;
import dev.tbar.data.Concat;
import dev.tbar.data.Datasets;
import dev.tbar.data.ImageDataset;
import dev.tbar.eval.Evaluator;
import dev.tbar.model.StateDict;
import dev.tbar.taskvector.TaskVector;
import dev.tbar.train.Linearized;
import dev.tbar.train.Objective;
import dev.tbar.train.Objectives;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainResult;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TBAR: fine-tune the backdoored weights theta_bd briefly on a trigger set (defender images with the trigger,
 * labelled with the target class) to get theta_t; the trigger vector is tau = theta_t - theta_bd; the cleaned model is
 * theta_bd - alpha * tau with alpha chosen on validation data by {@link AlphaSelection}. By default tau is combined
 * with the opposite of an unlearning run's vector ({@link Vector#COMBINED}), which won on validation (README).
 */
public final class Tbar implements Defense {
    private static final Logger LOG = LoggerFactory.getLogger(Tbar.class);

    /**
     * @param triggerSetSize images taken from the defender's clean data for the fine-tuning sets (0 = all of them)
     * @param finetune the trigger fine-tuning run (short; BatchNorm statistics frozen by default)
     * @param alphas the grid searched on validation data
     * @param caThreshold minimum validation CA kept, as a fraction of theta_bd's validation CA
     * @param bnRecalibration clean trigger-set images used to re-estimate BatchNorm statistics after each
     *     subtraction (0 = keep theta_bd's statistics); forward passes only, no extra data; see
     *     {@link BatchNormRecalibration}
     * @param cleanMix also put the trigger-set images in clean, with their true labels, into the fine-tuning set
     *     (a fraction of them, 0 = the paper's pure trigger set): it anchors the clean task so that tau carries the
     *     trigger rather than a bias toward the target class
     * @param layers regular expression over parameter names: only matching tensors of tau are subtracted
     *     (default {@code .*}, all of them)
     * @param projectClean remove from tau its component along the clean direction (theta_bd fine-tuned on the same
     *     images without trigger); one more short fine-tuning
     * @param perLayerAlpha after the global alpha, refine one alpha per layer group on validation data
     * @param linearized fine-tune the model linearized around theta_bd ({@link Linearized}) instead of the model
     *     itself; tau is still theta_t - theta_bd
     * @param search which alphas are evaluated ({@link AlphaSearch})
     * @param trim fraction of tau's entries kept, those largest in magnitude (TIES-style; 1 = all of them)
     * @param temperature softmax temperature T of the trigger fine-tuning's loss, T * CE(logits / T) (1 = the paper's
     *     cross-entropy). A backdoored model already sends most triggered images to the target, so at T = 1 the loss
     *     falls to ~0 within a few steps and tau is shaped by the few images the backdoor missed; at T > 1 every
     *     triggered image keeps a gradient toward the target, so tau follows the trigger's whole effect
     * @param vector which vector theta_bd is moved along ({@link Vector}); alpha, trimming and the per-layer refinement
     *     are the same for each
     */
    public record Config(int triggerSetSize, TrainConfig finetune, AlphaGrid alphas, double caThreshold,
            int bnRecalibration, double cleanMix, String layers, boolean projectClean, boolean perLayerAlpha,
            boolean linearized, AlphaSearch search, double trim, double temperature, Vector vector)
            implements ImageBudget<Config> {
        public Config {
            if (triggerSetSize < 0) {
                throw new TbarException("tbar.trigger_set_size must be >= 0 (0 = all defender images), got "
                        + triggerSetSize);
            }
            if (!(caThreshold > 0 && caThreshold <= 1)) {
                throw new TbarException("tbar.ca_threshold must be in (0, 1], got " + caThreshold);
            }
            if (!(cleanMix >= 0 && cleanMix <= 1)) {
                throw new TbarException("tbar.clean_mix must be in [0, 1], got " + cleanMix);
            }
            layers = layers == null || layers.isBlank() ? ".*" : layers;
            try {
                java.util.regex.Pattern.compile(layers);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new TbarException("tbar.layers is not a valid regular expression: " + e.getDescription());
            }
            if (bnRecalibration < 0) {
                throw new TbarException("tbar.bn_recalibration must be >= 0 (0 = off), got " + bnRecalibration);
            }
            search = search == null ? AlphaSearch.BISECT : search;
            vector = vector == null ? Vector.COMBINED : vector;
            if (!(trim > 0 && trim <= 1)) {
                throw new TbarException("tbar.trim must be in (0, 1] (1 = keep all of tau), got " + trim);
            }
            if (!(temperature >= 1) || Double.isInfinite(temperature)) {
                throw new TbarException("tbar.temperature must be finite and >= 1 (1 = plain cross-entropy), got "
                        + temperature);
            }
        }

        /**
         * Short fine-tunings (2 epochs, softmax temperature 4, gradient norm clipped at 50) with BatchNorm statistics
         * frozen, the combined vector trimmed to its largest 20%, alpha bisected from [0, 3], CA floor 95%, BatchNorm
         * re-estimated on 1,000 images, per-layer alpha. Epochs, trim, temperature and the vector won on the
         * validation splits of the CIFAR-10 and GTSRB 2% cells (README, Benchmark). The clip stops a divergence (one
         * GTSRB unlearning run went from a gradient norm of 41 to 10^6 in eight steps) and cost CIFAR-10 0.06 points
         * of validation ASR.
         */
        public static Config defaults() {
            TrainConfig ft = TrainConfig.defaults().with("epochs", 2).with("lr", 0.01).with("batch_size", 64)
                    .with("train_mode", false).with("weight_decay", 0.0).with("clip_norm", 50.0);
            return new Config(0, ft, new AlphaGrid(0, 3, 31), 0.95, 1000, 0, ".*", false, true, false,
                    AlphaSearch.BISECT, 0.2, 4, Vector.COMBINED);
        }

        @Override
        public Config withImages(int images) {
            return new Config(images, finetune, alphas, caThreshold, bnRecalibration, cleanMix, layers, projectClean,
                    perLayerAlpha, linearized, search, trim, temperature, vector);
        }
    }

    /** The vector TBAR moves theta_bd along; named in config files in lower case. */
    public enum Vector {
        /** The paper's trigger vector tau = theta_t - theta_bd (triggered images, target label), subtracted. */
        TRIGGER,
        /**
         * The vector of an unlearning run, theta_u - theta_bd (each defender image clean and triggered, true labels),
         * added: the cleaned model is theta_bd + alpha * (theta_u - theta_bd).
         */
        UNLEARN,
        /**
         * Both fine-tunings, each vector scaled to unit L2 norm, tau / |tau| - (theta_u - theta_bd) / |theta_u -
         * theta_bd|, subtracted: one alpha search where tbar-either needs two.
         */
        COMBINED,
        /**
         * TBAR with {@link #TRIGGER} and with {@link #COMBINED}, each with its own alpha; the run with the lower
         * validation ASR is returned (ties: higher CA). The price is both runs, for little gain over COMBINED (README).
         */
        BEST;

        @JsonValue
        public String configText() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static final Section<Config> SECTION = new Section<>("tbar", Config.class, Config.defaults());

    /**
     * What TBAR chose and measured, all on validation data. {@code projection} (tbar-project) and {@code layers}
     * (per-layer alpha) are null when off; their keys then stay out of the JSON.
     *
     * @param alpha the global alpha chosen (0: no alpha kept the CA floor, theta_bd returned)
     * @param validation validation CA and ASR of the returned model
     * @param sweep every alpha tried
     * @param triggerVectorNorm L2 norm of the tau subtracted
     * @param finetune the trigger fine-tuning run
     */
    public record Details(@JsonUnwrapped Projection projection, double alpha, double validationCaFloor,
            double validationBaseCa, AlphaPoint validation, @JsonUnwrapped LayerAlpha layers,
            List<AlphaPoint> sweep, double triggerVectorNorm, int triggerSetSize, boolean linearized, int imagesUsed,
            TrainResult finetune, @JsonUnwrapped TbarRepair.Report repair, @JsonUnwrapped VectorChoice vectorChoice)
            implements DefenseDetails {
        Details withVectorChoice(VectorChoice choice) {
            return new Details(projection, alpha, validationCaFloor, validationBaseCa, validation, layers, sweep,
                    triggerVectorNorm, triggerSetSize, linearized, imagesUsed, finetune, repair, choice);
        }
    }

    /** {@link Vector#BEST}: the vector returned and each run's validation point (these details are the winner's). */
    public record VectorChoice(String vectorChosen, AlphaPoint triggerValidation, AlphaPoint combinedValidation) {}

    /** How tau was projected off the clean direction (tbar-project). */
    public record Projection(double cleanDirectionCosine, double cleanDirectionCoefficient,
            TrainResult cleanFinetune) {}

    /** The per-layer refinement: factors (multiples of the global alpha) per layer group, and every trial. */
    public record LayerAlpha(Map<String, Double> layerFactors, List<LayerTrial> layerTrials) {}

    /** One trial of the per-layer refinement: {@code factor} x alpha on layer group {@code group}. */
    public record LayerTrial(String group, double factor, AlphaPoint validation) {}

    private final Config config;
    private final String name;
    private final Plus plus;

    /**
     * TBAR+ directions on top of TBAR, each null when off: {@code repair} also tries a stronger subtraction repaired by
     * fine-tuning on the defender's images, some with the trigger and their true labels (tbar-repair), {@code fisher}
     * damps tau where the clean task's Fisher information is large (tbar-fisher), {@code average} averages tau over
     * several trigger fine-tunings (tbar-average).
     */
    public record Plus(TbarRepair.Config repair, TbarFisher.Config fisher, TbarAverage.Config average) {
        public static final Plus NONE = new Plus(null, null, null);
    }

    public Tbar(Config config) {
        this(config, "tbar");
    }

    /** A registered variant: the same method under its own name and settings. */
    public Tbar(Config config, String name) {
        this(config, name, Plus.NONE);
    }

    public Tbar(Config config, String name, Plus plus) {
        this.config = config;
        this.name = name;
        this.plus = plus;
    }

    @Override
    public String name() {
        return name;
    }

    Config config() {
        return config;
    }

    @Override
    public DefenseOutcome apply(DefenseContext ctx) {
        if (ctx.trigger() == null) {
            throw new TbarException("defense 'tbar' needs a trigger: give the attack (known trigger) or an inverted"
                    + " trigger");
        }
        if (config.vector() == Vector.BEST) {
            return best(ctx);
        }
        long start = System.nanoTime();
        ImageDataset images = ctx.cleanImages(config.triggerSetSize());
        TrainResult[] fit = new TrainResult[1];
        Objective objective = Objectives.temperedCrossEntropy(config.linearized()
                ? new Linearized(ctx.model(), ctx.backdoored()) : ctx.model(), config.temperature());
        long[] steps = {0};
        int[] fineTuned = {0};
        Projection projection = null;
        try (TaskVector full = vector(ctx, images, objective, fit, steps, fineTuned);
                TaskVector restricted = full.restrictTo(
                        java.util.regex.Pattern.compile(config.layers()).asMatchPredicate());
                TaskVector trimmed = restricted.trim(config.trim());
                TaskVector damped = plus.fisher() == null ? null
                        : TbarFisher.damp(ctx, plus.fisher(), trimmed, images);
                TbarVariants.Projected projected = config.projectClean()
                        ? TbarVariants.projectOutClean(ctx, damped != null ? damped : trimmed, images,
                                config.finetune(), objective)
                        : null) {
            TaskVector tau = projected != null ? projected.tau() : damped != null ? damped : trimmed;
            projection = projected != null ? projected.projection() : null;
            double baseCa = Evaluator.accuracy(ctx.model(), ctx.backdoored(), ctx.validation().clean());
            BatchNormRecalibration recalibration = config.bnRecalibration() == 0 ? null
                    : new BatchNormRecalibration(ctx.model(), ctx.backdoored(),
                            config.bnRecalibration() >= images.size() ? images
                                    : Datasets.sample(images, config.bnRecalibration(), ctx.seed() + 1));
            List<AlphaPoint> sweep = sweep(ctx, tau, recalibration, AlphaSelection.floor(baseCa,
                    config.caThreshold()));
            AlphaSelection.Choice choice = AlphaSelection.choose(sweep, baseCa, config.caThreshold());
            if (!choice.constrained()) {
                LOG.warn("TBAR: no alpha keeps validation CA >= {}; returning theta_bd unchanged", choice.caFloor());
            }
            double alpha = choice.point().alpha();
            StateDict cleaned;
            LayerAlpha layers = null;
            AlphaPoint validation = choice.point();
            if (config.perLayerAlpha() && alpha > 0) {
                try (TbarVariants.Layered layered = TbarVariants.perLayerAlpha(ctx, tau, alpha, choice.point(),
                        choice.caFloor(), recalibration)) {
                    cleaned = subtract(ctx, layered.tau(), alpha, recalibration);
                    layers = layered.layers();
                    validation = layered.validation();
                }
            } else {
                cleaned = subtract(ctx, tau, alpha, recalibration);
            }
            LOG.info("TBAR: alpha = {} (validation CA {}, ASR {})", alpha, choice.point().ca(), choice.point().asr());
            TbarRepair.Attempt repaired = plus.repair() == null ? null
                    : TbarRepair.attempt(ctx, plus.repair(), tau, sweep, validation, choice.caFloor(), recalibration);
            if (repaired != null) {
                steps[0] += repaired.report().repairFinetune().steps();
                if (repaired.weights() != null) {
                    cleaned.close();
                    cleaned = repaired.weights();
                    validation = repaired.report().repaired();
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Details details = new Details(projection, alpha, choice.caFloor(), baseCa, validation, layers, sweep,
                    tau.norm(), fineTuned[0], config.linearized(), images.size(), fit[0],
                    repaired == null ? null : repaired.report(), null);
            return new DefenseOutcome(name(), cleaned, images.size(), steps[0], seconds, details);
        }
    }

    private DefenseOutcome best(DefenseContext ctx) {
        TbarEither.Picked p = TbarEither.pick(ctx, new Tbar(SECTION.with(config, "vector=trigger"), name, plus),
                new Tbar(SECTION.with(config, "vector=combined"), name, plus));
        Details won = p.secondWon() ? p.second() : p.first();
        String chosen = (p.secondWon() ? Vector.COMBINED : Vector.TRIGGER).configText();
        LOG.info("TBAR: the {} vector won on validation (trigger: ASR {} CA {}; combined: ASR {} CA {})", chosen,
                p.first().validation().asr(), p.first().validation().ca(), p.second().validation().asr(),
                p.second().validation().ca());
        return p.outcome(name, won.withVectorChoice(
                new VectorChoice(chosen, p.first().validation(), p.second().validation())));
    }

    /**
     * The configured vector, oriented so that TBAR subtracts it; {@code fineTuned} gets the images of its fine-tuning
     * sets (both, for {@link Vector#COMBINED}). The caller owns the vector.
     */
    private TaskVector vector(DefenseContext ctx, ImageDataset images, Objective objective, TrainResult[] fit,
            long[] steps, int[] fineTuned) {
        ImageDataset trigger = config.vector() == Vector.UNLEARN ? null
                : Poisoning.triggerSet(images, ctx.trigger(), ctx.targetClass());
        if (trigger != null && config.cleanMix() > 0) {
            int n = (int) Math.round(config.cleanMix() * images.size());
            trigger = new Concat(trigger, n >= images.size() ? images : Datasets.sample(images, n, ctx.seed() + 2));
        }
        ImageDataset unlearning = config.vector() == Vector.TRIGGER ? null
                : new Concat(images, new PartlyTriggered(images, ctx.trigger(), 1, ctx.seed() + 3));
        fineTuned[0] = (trigger == null ? 0 : trigger.size()) + (unlearning == null ? 0 : unlearning.size());
        LOG.info("TBAR: fine-tuning {}on {} images ({} vector)", config.linearized() ? "the linearized model " : "",
                fineTuned[0], config.vector().configText());
        int runs = plus.average() == null ? 1 : plus.average().runs();
        if (unlearning == null) {
            return TbarAverage.triggerVector(ctx, trigger, config.finetune(), objective, runs, fit, steps, "trigger");
        }
        try (TaskVector u = TbarAverage.triggerVector(ctx, unlearning, config.finetune(), objective, runs, fit, steps,
                "unlearning")) {
            if (trigger == null) {
                return u.negate();
            }
            try (TaskVector t = TbarAverage.triggerVector(ctx, trigger, config.finetune(), objective, runs, fit, steps,
                    "trigger");
                    TaskVector tUnit = unit(t, 1, "trigger"); TaskVector uUnit = unit(u, -1, "unlearning")) {
                LOG.info("TBAR: cosine of the trigger and unlearning vectors {}", t.cosine(u));
                return tUnit.add(uUnit);
            }
        }
    }

    private static TaskVector unit(TaskVector v, double sign, String what) {
        double norm = v.norm();
        if (!(norm > 0) || Double.isInfinite(norm)) {
            throw new TbarException("TBAR: the " + what + " fine-tuning gave a vector of norm " + norm
                    + "; tbar.finetune must move the weights (lr > 0, epochs > 0)");
        }
        return v.scale(sign / norm);
    }

    /** theta_bd - alpha * tau, with BatchNorm statistics re-estimated on {@code recalibration} if given. */
    static StateDict subtract(DefenseContext ctx, TaskVector tau, double alpha,
            BatchNormRecalibration recalibration) {
        StateDict w = tau.applyTo(ctx.backdoored(), -alpha);
        if (recalibration != null) {
            recalibration.shift(w);
        }
        return w;
    }

    /** Validation CA and ASR of theta_bd - alpha * tau at each alpha the configured search tries. */
    private List<AlphaPoint> sweep(DefenseContext ctx, TaskVector tau, BatchNormRecalibration recalibration,
            double floor) {
        int budget = config.search().budget(config.alphas());
        long start = System.nanoTime();
        int[] done = {0};
        return config.search().run(config.alphas(), floor, a -> {
            try (StateDict w = subtract(ctx, tau, a, recalibration)) {
                AlphaPoint p = ctx.validate(a, w);
                done[0]++;
                double eta = (System.nanoTime() - start) / 1e9 / done[0] * (budget - done[0]);
                LOG.info(String.format(java.util.Locale.ROOT, "  alpha %d/<=%d: %.3f  val CA %.2f%%  val ASR %.2f%%"
                        + "  ETA <=%.0fs", done[0], budget, a, 100 * p.ca(), 100 * p.asr(), eta));
                return p;
            }
        });
    }
}
