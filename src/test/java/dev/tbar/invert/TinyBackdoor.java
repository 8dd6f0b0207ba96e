package dev.tbar.invert;

import ai.djl.ndarray.NDManager;
import dev.tbar.attack.AttackConfig;
import dev.tbar.attack.AttackRegistry;
import dev.tbar.attack.Poisoning;
import dev.tbar.attack.Trigger;
import dev.tbar.data.Image;
import dev.tbar.data.ImageDataset;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.model.ImageClassifier;
import dev.tbar.model.StateDict;
import dev.tbar.train.Objectives;
import dev.tbar.train.Progress;
import dev.tbar.train.TestModels;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.Trainer;
import dev.tbar.data.Transform;
import dev.tbar.unlearn.AlphaGrid;
import dev.tbar.unlearn.DefenseSettings;
import dev.tbar.unlearn.TbarDecree;
import dev.tbar.unlearn.TriggerInversion;
import dev.tbar.unlearn.DefenseContext;
import dev.tbar.unlearn.FineTune;
import dev.tbar.unlearn.NcUnlearn;
import dev.tbar.unlearn.Tbar;
import dev.tbar.unlearn.ValidationSets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A tiny classification task with a planted BadNets backdoor, small enough to train in about a second: 12x12 RGB
 * noise images whose class is a brighter 4x4 block at one of five places, an MLP (432 -> 32 -> 5), and a white 3x3
 * patch in the bottom-right corner (outside every class block) that sends images to {@link #TARGET}.
 */
public final class TinyBackdoor {
    public static final int SIZE = 12;
    public static final int CLASSES = 5;
    public static final int TARGET = 2;
    public static final int PATCH = 3;
    private static final int[][] BLOCKS = {{0, 0}, {0, 4}, {0, 8}, {4, 0}, {4, 4}};

    private TinyBackdoor() {}

    /** One hidden ReLU layer on flattened pixels, 432 -> 32 -> 5. */
    public static TestModels.Mlp model() {
        return TestModels.mlp(3, SIZE, 32, CLASSES);
    }

    /** {@code n} images, label i mod 5: noise in [0, 0.5] plus 0.5 on the class's 4x4 block. */
    public static InMemoryDataset data(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[][] images = new byte[n][];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % CLASSES;
            Image im = Image.blank(3, SIZE, SIZE);
            int[] b = BLOCKS[labels[i]];
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < SIZE; y++) {
                    for (int x = 0; x < SIZE; x++) {
                        boolean in = y >= b[0] && y < b[0] + 4 && x >= b[1] && x < b[1] + 4;
                        im.set(c, y, x, (float) (0.5 * rnd.nextDouble() + (in ? 0.5 : 0)));
                    }
                }
            }
            images[i] = im.toBytes();
        }
        List<String> names = new ArrayList<>();
        for (int k = 0; k < CLASSES; k++) {
            names.add("block" + k);
        }
        return new InMemoryDataset(3, SIZE, SIZE, images, labels, names, "tiny blocks");
    }

    public static Trigger patch() {
        return AttackRegistry.trigger(attack(), 3, SIZE, SIZE);
    }

    public static AttackConfig attack() {
        return AttackConfig.of("badnets", TARGET, 0.1, 7, Map.of("size", PATCH, "color", "white"));
    }

    /** True for the pixels of the planted patch, (H * W). */
    public static boolean[] patchRegion() {
        boolean[] r = new boolean[SIZE * SIZE];
        for (int y = SIZE - PATCH; y < SIZE; y++) {
            for (int x = SIZE - PATCH; x < SIZE; x++) {
                r[y * SIZE + x] = true;
            }
        }
        return r;
    }

    /** Weights trained on {@code train}, poisoned with the patch when {@code backdoor}. */
    public static StateDict train(ImageClassifier model, NDManager m, ImageDataset train, boolean backdoor) {
        ImageDataset data = backdoor ? Poisoning.poisonTrainingSet(train, patch(), attack()) : train;
        StateDict w = model.initialize(m, 1);
        TrainConfig cfg = TrainConfig.adamw(0.01).with(Map.of("epochs", 15, "batch_size", 32, "seed", 3,
                "weight_decay", 0.0));
        Trainer.train(Objectives.crossEntropy(model), w, data, Transform.IDENTITY, cfg, null, Progress.lines("tiny", java.time.Duration.ofHours(1), s -> { }));
        return w;
    }

    /**
     * The defender's side of the inverted-trigger defense tests: 60 clean images, 60 validation images whose
     * triggered half carries the real trigger (the defenses must replace it with their own), 200 test images with
     * their triggered view, and the same short AdamW fine-tuning for every defense.
     */
    public record Defender(InMemoryDataset clean, InMemoryDataset validation, InMemoryDataset test,
            ImageDataset testTriggered) {
        public static Defender create() {
            InMemoryDataset test = data(200, 4);
            return new Defender(data(60, 2), data(60, 3), test, Poisoning.triggeredTestSet(test, patch(), TARGET));
        }

        public DefenseSettings defenses(NeuralCleanse.Config invert, Decree.Config decree) {
            // temperature 1: this AdamW fine-tuning at lr 0.01 drives even the tempered loss to ~0, and the tempered
            // tau then misses the backdoor (TbarTemperedTest runs the tempered loss with the default SGD fine-tuning)
            List<String> o = new ArrayList<>(List.of("tbar.alphas.max=2", "tbar.alphas.steps=9",
                    "tbar.ca_threshold=0.9", "tbar.bn_recalibration=0", "tbar.per_layer_alpha=false",
                    "tbar.temperature=1"));
            for (String s : List.of("optimizer=adamw", "lr=0.01", "epochs=5", "batch_size=16", "weight_decay=0.0",
                    "train_mode=true")) {
                o.addAll(List.of("tbar.finetune." + s, "finetune.train." + s, "nc_unlearn.train." + s));
            }
            DefenseSettings settings = DefenseSettings.defaults().with(o.toArray(String[]::new))
                    .with(TriggerInversion.SECTION, invert);
            return decree == null ? settings : settings.with(TbarDecree.SECTION, decree);
        }

        public DefenseContext context(ImageClassifier model, StateDict backdoored, long seed) {
            return context(model, backdoored, seed, null);
        }

        /** The context of a defense that knows the planted trigger (TBAR and its variants). */
        public DefenseContext knownTrigger(ImageClassifier model, StateDict backdoored, long seed) {
            return context(model, backdoored, seed, patch());
        }

        private DefenseContext context(ImageClassifier model, StateDict backdoored, long seed, Trigger trigger) {
            return new DefenseContext(model, backdoored, clean, trigger, TARGET, new ValidationSets(validation,
                    Poisoning.triggeredTestSet(validation, patch(), TARGET)), Transform.IDENTITY, seed, null);
        }
    }
}
