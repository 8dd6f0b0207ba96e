package dev.tbar.unlearn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.tbar.TbarException;
import dev.tbar.config.ImageBudget;
import dev.tbar.data.ImageDataset;
import dev.tbar.model.StateDict;
import dev.tbar.model.clip.CleanClipLoss;
import dev.tbar.model.clip.ClipClassifier;
import dev.tbar.model.clip.ClipModel;
import dev.tbar.model.clip.ZeroShotHead;
import dev.tbar.train.Progress;
import dev.tbar.train.TrainConfig;
import dev.tbar.train.TrainResult;
import dev.tbar.train.Trainer;
import java.util.List;

/**
 * CleanCLIP (Bansal et al. 2023), the multimodal baseline: fine-tune both CLIP towers on clean image-caption pairs
 * with the contrastive loss plus in-modal self-supervised losses ({@link CleanClipLoss}), then rebuild the zero-shot
 * head from the fine-tuned text tower. Captions are the defender's class names in {@code templates}. Needs a
 * {@link ClipClassifier} that carries its text tower (loaded from a full CLIP checkpoint).
 */
public final class CleanClip implements Defense {
    /** Caption templates when none are configured: several, so the text-text loss has two views of a class. */
    public static final List<String> DEFAULT_TEMPLATES = List.of("a photo of a {}.", "a picture of the {}.",
            "an image of a {}.", "a close-up photo of the {}.");
    /** @param cleanclip the contrastive fine-tuning run, with the weights of its two self-supervised terms */
    public record Details(TrainResult cleanclip, double lambda1, double lambda2) implements DefenseDetails {}

    public static final Section<Config> SECTION = new Section<>("cleanclip", Config.class, Config.defaults());

    /**
     * @param images clean defender images used (0 = all), the budget shared with the other defenses
     * @param lambda1 weight of the image-image self-supervised loss
     * @param lambda2 weight of the text-text self-supervised loss
     * @param templates caption templates, {} = class name (empty: {@link #DEFAULT_TEMPLATES})
     */
    public record Config(int images, double lambda1, double lambda2, List<String> templates, TrainConfig train)
            implements ImageBudget<Config> {
        public Config {
            if (images < 0) {
                throw new TbarException("cleanclip.images must be >= 0 (0 = all defender images), got " + images);
            }
            if (!(lambda1 >= 0 && Double.isFinite(lambda1)) || !(lambda2 >= 0 && Double.isFinite(lambda2))) {
                throw new TbarException("cleanclip.lambda1 and cleanclip.lambda2 must be finite and >= 0, got "
                        + lambda1 + " and " + lambda2);
            }
            templates = templates == null || templates.isEmpty() ? DEFAULT_TEMPLATES : List.copyOf(templates);
            for (String t : templates) {
                if (!t.contains("{}")) {
                    throw new TbarException("cleanclip.templates: '" + t + "' has no {} for the class name");
                }
            }
        }

        @Override
        public Config withImages(int n) {
            return new Config(n, lambda1, lambda2, templates, train);
        }

        /** CleanCLIP's equal weighting of the three losses, AdamW at a fine-tuning rate. */
        public static Config defaults() {
            return new Config(0, 1.0, 1.0, DEFAULT_TEMPLATES, TrainConfig.adamw(1e-5).with("epochs", 5)
                    .with("batch_size", 64).with("weight_decay", 0.1).with("warmup", 0.1));
        }
    }

    private final Config config;

    public CleanClip(Config config) {
        this.config = config;
    }

    @Override
    public String name() {
        return "cleanclip";
    }

    @Override
    public DefenseOutcome apply(DefenseContext ctx) {
        if (!(ctx.model() instanceof ClipClassifier clf)) {
            throw new TbarException("defense 'cleanclip' needs a CLIP model (model.name: clip), not '"
                    + ctx.model().name() + "'; use tbar or finetune for other models");
        }
        ClipClassifier.TextTower text = clf.textTower();
        if (text == null) {
            throw new TbarException("defense 'cleanclip' needs CLIP's text tower: set model.weights to a full CLIP"
                    + " checkpoint (Hugging Face or open_clip), not to classifier weights saved by tbar");
        }
        long start = System.nanoTime();
        ClipModel clip = clf.clip();
        ImageDataset data = ctx.cleanImages(config.images());
        int[][] captions = CleanClipLoss.tokenize(text.tokenizer(), text.classNames(), config.templates(),
                clip.config().contextLength());
        CleanClipLoss loss = new CleanClipLoss(clip, captions, config.templates().size(), config.lambda1(),
                config.lambda2(), ctx.seed() + 3);
        NDManager out = ctx.backdoored().manager().getParentManager();
        try (StateDict full = new StateDict(out)) {
            for (String k : clip.visionShapes().keySet()) {
                full.putParameter(k, ctx.backdoored().get(k).duplicate());
            }
            for (String k : text.weights().names()) {
                full.putParameter(k, text.weights().get(k).duplicate());
            }
            TrainConfig seeded = config.train().with("seed", ctx.seed() + config.train().seed());
            TrainResult fit = Trainer.train(loss, full, data, ctx.augment(), seeded, null,
                    Progress.auto("cleanclip fine-tuning"));
            StateDict cleaned;
            try (NDManager tmp = out.newSubManager()) {
                // zero-shot classification after CleanCLIP uses its fine-tuned text tower, as in the paper
                NDArray head = ZeroShotHead.build(clip, full, text.tokenizer(), text.classNames(), text.templates(),
                        tmp);
                cleaned = clf.weightsFrom(full, head, out);
            }
            Details details = new Details(fit, config.lambda1(), config.lambda2());
            return new DefenseOutcome(name(), cleaned, data.size(), fit.steps(), (System.nanoTime() - start) / 1e9,
                    details);
        }
    }
}
