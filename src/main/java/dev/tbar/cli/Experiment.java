package dev.tbar.cli;

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
import dev.tbar.report.Manifest;
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
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data's path through one experiment: open and split the data (attacker / defender / validation / test),
 * build the model and the trigger, implant the backdoor, run defenses and measure them. Commands compose these steps.
 */
final class Experiment implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Experiment.class);

    final ExperimentConfig cfg;
    final NDManager manager = NDManager.newBaseManager();
    final Manifest manifest;
    final ModelSource source;
    final ImageClassifier model;
    final AttackConfig attack;
    final Trigger trigger;
    /** Training images the attacker poisons (the defender never sees them). */
    final ImageDataset attackerSet;
    /** Clean images the defender owns, with true labels (trigger sets and fine-tuning data come from here). */
    final ImageDataset defenderSet;
    final ValidationSets validation;
    final ImageDataset test;
    final ImageDataset testTriggered;
    final Transform augment;

    Experiment(ExperimentConfig cfg, Manifest manifest) {
        this.cfg = cfg;
        this.manifest = manifest;
        long splitSeed = cfg.seedFor("split", 0);
        ImageDataset train;
        ImageDataset fullTest;
        try (var t = manifest.timings().phase("data")) {
            train = Datasets.open(cfg.data(), "train");
            fullTest = Datasets.open(cfg.data(), "test");
        }
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
    StateDict baseWeights() {
        return source.baseWeights(manager, cfg.seedFor("init", 0));
    }

    /** Saves weights of this experiment's model with {@code extra} metadata and what the model needs to reload. */
    void save(StateDict w, Path file, Map<String, String> extra) {
        Map<String, String> meta = new LinkedHashMap<>(source.metadata());
        meta.putAll(extra);
        Checkpoints.save(w, file, meta);
    }

    Metrics evaluate(StateDict w) {
        try (var t = manifest.timings().phase("evaluate")) {
            return Metrics.of(model, w, test, testTriggered);
        }
    }

    /** A view of the attacker's data with the backdoor's poison applied. */
    PoisonedDataset poisonedTrainingSet() {
        return Poisoning.poisonTrainingSet(attackerSet, trigger, attack);
    }

    /** Fine-tunes a copy of {@code base} on the poisoned training set; returns the backdoored weights. */
    StateDict implant(StateDict base, Path checkpointDir, TrainResult[] result) {
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

    /** Runs defense {@code name} on {@code backdoored} and measures it on the test split. */
    DefenseResult defend(String name, StateDict backdoored, Metrics before, Path workDir) {
        return defend(name, cfg.defenseSettings(), backdoored, before, workDir);
    }

    DefenseResult defend(String name, DefenseSettings settings, StateDict backdoored, Metrics before, Path workDir) {
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

    /** Test ASR of {@code w} after the configured retuning on a few poisoned defender images; NaN when off. */
    double retuned(StateDict w) {
        if (!cfg.retune().enabled()) {
            return Double.NaN;
        }
        try (var t = manifest.timings().phase("retune")) {
            ImageDataset set = cfg.retune().set(defenderSet, trigger, attack.target(), cfg.seedFor("retune", 0));
            return cfg.retune().regainedAsr(model, w, set, testTriggered);
        }
    }

    static String pct(double v) {
        return String.format(java.util.Locale.ROOT, "%.2f%%", 100 * v);
    }

    @Override
    public void close() {
        manager.close();
    }
}
