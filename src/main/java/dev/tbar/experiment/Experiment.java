package dev.tbar.experiment;

import ai.djl.ndarray.NDManager;
import dev.tbar.attack.AttackConfig;
import dev.tbar.attack.AttackRegistry;
import dev.tbar.attack.PoisonedDataset;
import dev.tbar.attack.Poisoning;
import dev.tbar.attack.Trigger;
import dev.tbar.data.Datasets;
import dev.tbar.data.ImageDataset;
import dev.tbar.data.Transform;
import dev.tbar.data.Transforms;
import dev.tbar.eval.DefenseResult;
import dev.tbar.eval.Metrics;
import dev.tbar.model.Checkpoints;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.ModelSource;
import dev.tbar.model.StateDict;
import dev.tbar.eval.RunResults;
import dev.tbar.report.Manifest;
import dev.tbar.report.RunFolder;
import dev.tbar.taskvector.AdaptiveAttack;
import dev.tbar.taskvector.TaskVector;
import dev.tbar.train.Objective;
import dev.tbar.train.Objectives;
import dev.tbar.train.Progress;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainResult;
import dev.tbar.train.Trainer;
import dev.tbar.unlearn.DefenseSettings;
import dev.tbar.unlearn.DefenseContext;
import dev.tbar.unlearn.DefenseOutcome;
import dev.tbar.unlearn.Defenses;
import dev.tbar.unlearn.ValidationSets;
import dev.tbar.util.Devices;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data's path through one experiment: open and split the data (attacker / defender / validation / test),
 * build the model and the trigger, implant the backdoor, run defenses and measure them. Commands compose these steps.
 */
public final class Experiment implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Experiment.class);

    private final ExperimentConfig cfg;
    private final NDManager manager = Devices.newManager();
    private final Manifest manifest;
    private final ModelSource source;
    private final ImageClassifier model;
    private final AttackConfig attack;
    private final Trigger trigger;
    /** Training images the attacker poisons (the defender never sees them). */
    private final ImageDataset attackerSet;
    /** Clean images the defender owns, with true labels (trigger sets and fine-tuning data come from here). */
    private final ImageDataset defenderSet;
    private final ValidationSets validation;
    private final ImageDataset test;
    private final ImageDataset testTriggered;
    private final Transform augment;

    public Experiment(ExperimentConfig cfg, Manifest manifest) {
        this.cfg = cfg;
        this.manifest = manifest;
        long splitSeed = cfg.seedFor("split", 0);
        ImageDataset train;
        ImageDataset fullTest;
        try (var t = manifest.timings().phase("data")) {
            train = Datasets.open(cfg.data(), "train");
            fullTest = Datasets.open(cfg.data(), "test");
        }
        Datasets.requireSameClasses(train, fullTest, cfg.data().path());
        manifest.seed("seed", cfg.seed()).seed("split", splitSeed);
        manifest.dataHash("train", Datasets.sha256(train)).dataHash("test", Datasets.sha256(fullTest));
        Datasets.Split owners = Datasets.split(train, cfg.split().defenderFraction(), splitSeed);
        Datasets.Split defender = Datasets.split(owners.second(), cfg.split().validationFraction(), splitSeed + 1);
        ImageDataset attacker = owners.first();
        this.attackerSet = cfg.split().attackerLimit() > 0 && cfg.split().attackerLimit() < attacker.size()
                ? Datasets.sample(attacker, cfg.split().attackerLimit(), splitSeed + 2) : attacker;
        this.defenderSet = defender.first();
        this.test = cfg.split().testLimit() > 0 && cfg.split().testLimit() < fullTest.size()
                ? Datasets.sample(fullTest, cfg.split().testLimit(), splitSeed + 3) : fullTest;
        this.source = ModelFactory.resolve(cfg.model(), train, manager);
        this.model = source.model();
        AttackConfig a = cfg.attack();
        this.attack = new AttackConfig(a.name(), a.preset(), a.target(), a.poisonRate(),
                cfg.seedFor("attack", a.seed()), a.params());
        manifest.seed("attack", attack.seed());
        var sample = train.image(0); // the trigger is built for the images as loaded, whatever the model's default
        this.trigger = AttackRegistry.trigger(attack, sample.channels(), sample.height(), sample.width());
        manifest.trigger(trigger.sha256());
        this.validation = new ValidationSets(defender.second(),
                Poisoning.triggeredTestSet(defender.second(), trigger, attack.target()));
        this.testTriggered = Poisoning.triggeredTestSet(test, trigger, attack.target());
        this.augment = cfg.augment() ? Transforms.cifarAugment() : Transform.IDENTITY;
        LOG.info("data: attacker {} images, defender {} (+{} validation), test {}", attackerSet.size(),
                defenderSet.size(), validation.clean().size(), test.size());
    }

    /** Starting weights: the configured file, or a seeded initialisation when none is given. */
    public StateDict baseWeights() {
        return source.baseWeights(manager, cfg.seedFor("init", 0));
    }

    /** Saves weights of this experiment's model with {@code extra} metadata and what the model needs to reload. */
    public void save(StateDict w, Path file, Map<String, String> extra) {
        Map<String, String> meta = new LinkedHashMap<>(source.metadata());
        meta.putAll(extra);
        Checkpoints.save(w, file, meta);
        source.saveNative(w, file);
    }

    public Metrics evaluate(StateDict w) {
        try (var t = manifest.timings().phase("evaluate")) {
            return Metrics.of(model, w, test, testTriggered);
        }
    }

    /** A view of the attacker's data with the backdoor's poison applied. */
    public PoisonedDataset poisonedTrainingSet() {
        return Poisoning.poisonTrainingSet(attackerSet, trigger, attack);
    }

    /** Fine-tunes a copy of {@code base} on the poisoned training set; returns the backdoored weights. */
    public StateDict implant(StateDict base, Path checkpointDir, TrainResult[] result) {
        PoisonedDataset poisoned = poisonedTrainingSet();
        LOG.info("implanting {}: {} of {} training images poisoned, target class {}", attack.attackName(),
                poisoned.poisonIndices().length, poisoned.size(), attack.target());
        TrainConfig tc = cfg.implant().with("seed", cfg.seedFor("implant", cfg.implant().seed()));
        manifest.seed("implant", tc.seed());
        StateDict w = base.copy();
        try (var t = manifest.timings().phase("implant"); TaskVector d = adaptiveDirection(base, tc)) {
            Objective objective = AdaptiveAttack.objective(Objectives.crossEntropy(model), base, d,
                    cfg.adaptive().lambda());
            result[0] = Trainer.train(objective, w, poisoned, augment, tc, checkpointDir, Progress.auto("implant"));
        }
        return w;
    }

    /** The adaptive attacker's penalised direction (null when adaptive.lambda is 0), probed with {@code tc}. */
    private TaskVector adaptiveDirection(StateDict base, TrainConfig tc) {
        if (!cfg.adaptive().enabled()) {
            return null;
        }
        LOG.info("adaptive attack: probing clean and trigger directions, {} steps each", cfg.adaptive().probeSteps());
        return AdaptiveAttack.triggerDirection(model, base, attackerSet,
                Poisoning.triggerSet(attackerSet, trigger, attack.target()), augment,
                tc.with("max_steps", cfg.adaptive().probeSteps()));
    }

    /**
     * Trains a clean model with {@code clean} (settings with nothing poisoned) from its starting weights and saves it
     * to {@code file}: the base a backdoor is then implanted into, as attackers fine-tune a model people trust.
     */
    public static CleanBase trainCleanBase(ExperimentConfig clean, Manifest manifest, Path file, String label) {
        try (Experiment ex = new Experiment(clean, manifest); StateDict init = ex.baseWeights()) {
            TrainResult[] fit = new TrainResult[1];
            try (StateDict base = ex.implant(init, null, fit)) {
                Metrics m = ex.evaluate(base);
                LOG.info("{}: clean base CA {}", label, pct(m.ca()));
                ex.save(base, file, Map.of("base", label));
                return new CleanBase(m, fit[0]);
            }
        }
    }

    /** A clean base model's test metrics and its training run. */
    public record CleanBase(Metrics test, TrainResult training) {}

    /** Fails before any work when one of {@code defenses} cannot run on this experiment's model. */
    public void checkDefenses(List<String> defenses) {
        defenses.forEach(d -> Defenses.create(d, cfg.defenseSettings()).checkModel(model));
    }

    /** Runs defense {@code name} on {@code backdoored} and measures it on the test split. */
    public DefenseResult defend(String name, StateDict backdoored, Metrics before, Path workDir) {
        return defend(name, cfg.defenseSettings(), backdoored, before, workDir);
    }

    public DefenseResult defend(String name, DefenseSettings settings, StateDict backdoored, Metrics before,
            Path workDir) {
        DefenseContext ctx = new DefenseContext(model, backdoored, defenderSet, trigger, attack.target(), validation,
                augment, cfg.seedFor("defense", 0), workDir); // one seed: every defense gets the same images
        manifest.seed("defense", ctx.seed());
        DefenseOutcome out;
        try (var t = manifest.timings().phase("defense:" + name)) {
            out = Defenses.create(name, settings).apply(ctx);
        }
        try (StateDict cleaned = out.cleaned()) {
            Metrics after = evaluate(cleaned);
            if (workDir != null) {
                save(cleaned, workDir.resolve(name + "-cleaned.safetensors"), Map.of("defense", name));
            }
            LOG.info("{}: CA {} -> {}, ASR {} -> {}", name, pct(before.ca()), pct(after.ca()), pct(before.asr()),
                    pct(after.asr()));
            double regained = retuned(cleaned);
            return new DefenseResult(name, after, after.caRetention(before), after.asrReduction(before),
                    after.der(before), regained,
                    out.imagesUsed(), out.imagesUsed() / (double) attackerSet.size(), out.steps(), out.seconds(),
                    out.details(), cfg.defenseHash(name, settings), cfg.defensePoolHash(name, settings));
        }
    }

    /**
     * The whole loop in {@code run}'s folder: implant the backdoor into the starting weights (or take them as the
     * backdoored ones), run {@code defenses} and measure everything on the test split.
     */
    public RunResults run(RunFolder run, boolean implant, List<String> defenses) {
        checkDefenses(defenses);
        Metrics pretrained = null;
        Object implantInfo = null;
        StateDict backdoored;
        try (StateDict base = baseWeights()) {
            if (implant) {
                pretrained = evaluate(base);
                TrainResult[] fit = new TrainResult[1];
                backdoored = implant(base, run.path("checkpoints"), fit);
                implantInfo = fit[0];
                save(backdoored, run.path("backdoored.safetensors"),
                        Map.of("attack", attack.attackName(), "target", Integer.toString(attack.target())));
                trigger.save(run.path("trigger"));
            } else {
                backdoored = base.copy();
            }
        }
        try (StateDict bd = backdoored) {
            Metrics before = evaluate(bd);
            List<DefenseResult> defended = new ArrayList<>();
            for (String name : defenses) {
                defended.add(defend(name, bd, before, run.dir()));
            }
            return new RunResults(cfg.data().isSynthetic() ? "synthetic shapes" : cfg.data().path(),
                    cfg.data().isSynthetic(), model.name(), attack.describe(), attack.target(), attackerSet.size(),
                    test.size(), pretrained, before, implantInfo, defended, Map.of());
        }
    }

    /** Test ASR of {@code w} after the configured retuning on a few poisoned defender images; NaN when off. */
    public double retuned(StateDict w) {
        if (!cfg.retune().enabled()) {
            return Double.NaN;
        }
        try (var t = manifest.timings().phase("retune")) {
            ImageDataset set = cfg.retune().set(defenderSet, trigger, attack.target(), cfg.seedFor("retune", 0));
            return cfg.retune().regainedAsr(model, w, set, testTriggered);
        }
    }

    public static String pct(double v) {
        return String.format(java.util.Locale.ROOT, "%.2f%%", 100 * v);
    }

    public ExperimentConfig cfg() {
        return cfg;
    }

    public NDManager manager() {
        return manager;
    }

    public ModelSource source() {
        return source;
    }

    public ImageClassifier model() {
        return model;
    }

    public AttackConfig attack() {
        return attack;
    }

    public Trigger trigger() {
        return trigger;
    }

    public ImageDataset attackerSet() {
        return attackerSet;
    }

    public ImageDataset defenderSet() {
        return defenderSet;
    }

    public ValidationSets validation() {
        return validation;
    }

    public ImageDataset test() {
        return test;
    }

    public Transform augment() {
        return augment;
    }

    @Override
    public void close() {
        manager.close();
    }
}
