package dev.tbar.experiment;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.tbar.TbarException;
import dev.tbar.attack.AttackConfig;
import dev.tbar.cluster.SlurmConfig;
import dev.tbar.data.DatasetConfig;
import dev.tbar.eval.Retuning;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tbar.config.Configs;
import dev.tbar.taskvector.AdaptiveAttack;
import dev.tbar.util.Hashing;
import dev.tbar.train.TrainConfig;
import dev.tbar.unlearn.DefenseSettings;
import dev.tbar.unlearn.Defenses;
import dev.tbar.unlearn.Section;
import java.util.List;
import java.util.Map;

/**
 * One experiment: data, model, attack, how the training data is split between attacker and defender, the backdoor
 * implanting run and the defenses. Loaded from YAML/JSON with {@code --set key=value} overrides.
 *
 * <p>Every random choice derives from {@code seed}: a sub-config's own seed is mixed with it (see {@link #seedFor}),
 * so changing {@code seed} alone gives an independent repetition.
 *
 * <p>{@code adaptive}: an attacker who knows TBAR ({@link AdaptiveAttack}); {@code adaptive.lambda: 0} = the plain
 * implant. {@code slurm}: what {@code tbar bench --slurm} asks a cluster for; it never changes a result.
 */
public record ExperimentConfig(
        long seed,
        DatasetConfig data,
        ModelConfig model,
        AttackConfig attack,
        SplitConfig split,
        TrainConfig implant,
        boolean augment,
        List<String> defenses,
        AdaptiveAttack.Config adaptive,
        Retuning retune,
        SlurmConfig slurm,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> sections) {

    /**
     * @param name a registry model (resnet20, ...) or {@code clip}
     * @param weights safetensors (or legacy .th) file of the starting weights; empty = seeded random init. For
     *     {@code clip}: a CLIP checkpoint file or directory, or classifier weights saved by tbar
     * @param config {@code clip} only: CLIP config file (default: beside the weights, or saved in them)
     * @param tokenizer {@code clip} only: directory with vocab.json and merges.txt (default: the checkpoint's)
     * @param templates {@code clip} only: zero-shot prompts, {} = class name (default "a photo of a {}.")
     * @param mean {@code torchscript} only: per-channel mean to normalise pixels with before the model (default:
     *     none, the model takes pixels in [0, 1])
     * @param std {@code torchscript} only: per-channel standard deviation, given together with {@code mean}
     */
    public record ModelConfig(String name, String weights, @JsonInclude(JsonInclude.Include.NON_NULL) String config,
            @JsonInclude(JsonInclude.Include.NON_NULL) String tokenizer,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<String> templates,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<Float> mean,
            @JsonInclude(JsonInclude.Include.NON_NULL) List<Float> std) {
        public ModelConfig(String name, String weights) {
            this(name, weights, null, null, null, null, null);
        }
    }

    /**
     * @param defenderFraction part of the training split the defender owns (never poisoned, never seen by the attack)
     * @param validationFraction part of the defender's data kept for choosing alpha and other settings
     * @param attackerLimit at most this many attacker training images (0 = all), to keep demos short
     * @param testLimit at most this many test images, stratified (0 = all)
     */
    public record SplitConfig(double defenderFraction, double validationFraction, int attackerLimit, int testLimit) {
        public SplitConfig {
            if (!(defenderFraction > 0 && defenderFraction < 1)) {
                throw new TbarException("split.defender_fraction must be in (0, 1), got " + defenderFraction);
            }
            if (!(validationFraction > 0 && validationFraction < 1)) {
                throw new TbarException("split.validation_fraction must be in (0, 1), got " + validationFraction);
            }
            if (attackerLimit < 0 || testLimit < 0) {
                throw new TbarException("split.attacker_limit and split.test_limit must be >= 0 (0 = all)");
            }
        }
    }

    /**
     * Fills what a file may leave out and checks, before any work starts, that every defense and every top-level key
     * is known; {@code sections} are the defense sections ({@code tbar}, {@code finetune}, ...), bound to their
     * records with defaults where absent.
     */
    public ExperimentConfig {
        if (defenses == null) {
            defenses = List.of("tbar", "finetune");
        }
        Defenses.requireKnown(defenses);
        if (adaptive == null) {
            adaptive = AdaptiveAttack.Config.OFF;
        }
        if (retune == null) {
            retune = Retuning.defaults();
        }
        if (slurm == null) {
            slurm = SlurmConfig.defaults();
        }
        sections = DefenseSettings.of(sections == null ? Map.of() : sections, OWN_KEYS).asMap();
    }

    /** The config keys of this record's own fields, beside the defense sections. */
    private static final List<String> OWN_KEYS = java.util.Arrays.stream(ExperimentConfig.class.getRecordComponents())
            .map(c -> ((PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE)
                    .translate(c.getName()))
            .filter(k -> !k.equals("sections")).toList();

    /** The settings of every defense (one section each). */
    public DefenseSettings defenseSettings() {
        return DefenseSettings.of(sections, OWN_KEYS);
    }

    /** One defense section's settings. */
    public <C> C section(Section<C> section) {
        return defenseSettings().get(section);
    }

    /**
     * A hash of every setting that shapes the backdoored model (data, model, attack, split, implant, seed), not the
     * defenses: equal hashes mean a stored backdoored model can be reused. Data and weights count by content, so a
     * moved folder or another spelling of a path keeps its cells, and new weights at the same path do not.
     */
    public String implantHash() {
        return Hashing.sha256(implantTree().toString());
    }

    /**
     * As {@link #implantHash} without the master seed: equal for the repetitions of one setting, which the leaderboard
     * may pool.
     */
    public String poolHash() {
        ObjectNode tree = implantTree();
        tree.remove("seed");
        return Hashing.sha256(tree.toString());
    }

    /** As {@link #defenseHash} without the master seed (see poolHash). */
    public String defensePoolHash(String name, DefenseSettings settings) {
        return Hashing.sha256(poolHash() + "/" + settings.hash(name) + "/" + retuneHash());
    }

    private ObjectNode implantTree() {
        ObjectNode tree = (ObjectNode) Configs.tree(this);
        tree.remove(List.of("defenses", "retune", "slurm"));
        tree.remove(sections.keySet());
        byContent(tree, "data", "path");
        byContent(tree, "model", "weights");
        return tree;
    }

    /** Replaces the path at {@code section.key} by its content's hash when it names a file or folder. */
    private static void byContent(ObjectNode tree, String section, String key) {
        if (tree.get(section) instanceof ObjectNode s && s.hasNonNull(key) && !s.get(key).asText().isBlank()) {
            java.nio.file.Path p = java.nio.file.Path.of(s.get(key).asText());
            if (java.nio.file.Files.exists(p)) {
                s.put(key, "sha256:" + Hashing.contentSha256(p));
            }
        }
    }

    /**
     * A hash of everything that produces defense {@code name}'s result under {@code settings}: the implant, the
     * defense and its sections, and the retuning that measures it.
     */
    public String defenseHash(String name, DefenseSettings settings) {
        return Hashing.sha256(implantHash() + "/" + settings.hash(name) + "/" + retuneHash());
    }

    /** A hash of the retuning that measures post-purification robustness. */
    public String retuneHash() {
        return Hashing.sha256(Configs.tree(retune).toString());
    }

    /** A sub-seed for {@code purpose}: the master seed mixed with the sub-config's own seed (SplitMix64 finaliser). */
    public long seedFor(String purpose, long own) {
        long z = seed * 0x9E3779B97F4A7C15L + purpose.hashCode() * 0xBF58476D1CE4E5B9L + own;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * Defaults: the shared CIFAR-10 ResNet-20 setting at demo size. The implant fine-tunes a pretrained model for two
     * epochs on poisoned data; each defense section takes its defaults from the defense that owns it.
     */
    public static ExperimentConfig defaults() {
        TrainConfig implant = TrainConfig.defaults().with("epochs", 2).with("lr", 0.01);
        return new ExperimentConfig(0, DatasetConfig.synthetic(), new ModelConfig("resnet20", ""),
                AttackConfig.ofPreset("badnets-cifar", 0, 0.1, 0), new SplitConfig(0.04, 0.5, 0, 0), implant, true,
                List.of("tbar", "finetune"), AdaptiveAttack.Config.OFF, Retuning.defaults(), SlurmConfig.defaults(),
                Map.of());
    }
}
