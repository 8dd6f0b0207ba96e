package dev.tbar.experiment;

import ai.djl.ndarray.NDManager;
import dev.tbar.TbarException;
import dev.tbar.attack.InvertedTrigger;
import dev.tbar.attack.Poisoning;
import dev.tbar.attack.Trigger;
import dev.tbar.data.Datasets;
import dev.tbar.data.ImageCodec;
import dev.tbar.data.ImageDataset;
import dev.tbar.data.ImageFolder;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.data.Transform;
import dev.tbar.eval.DefenseResult;
import dev.tbar.eval.Metrics;
import dev.tbar.eval.RunResults;
import dev.tbar.invert.NeuralCleanse;
import dev.tbar.model.Checkpoints;
import dev.tbar.model.ModelSource;
import dev.tbar.model.StateDict;
import dev.tbar.unlearn.DefenseContext;
import dev.tbar.unlearn.DefenseOutcome;
import dev.tbar.unlearn.DefenseSettings;
import dev.tbar.unlearn.Defenses;
import dev.tbar.unlearn.Tbar;
import dev.tbar.unlearn.TbarInverted;
import dev.tbar.unlearn.ValidationSets;
import dev.tbar.util.Errors;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The practitioner's loop on their own model and a folder of their own clean images: hold out part of the images
 * for measuring, find the trigger (given, or inverted with Neural Cleanse on the rest), remove it with TBAR (alpha
 * chosen on a validation part of the rest), and measure CA and ASR before and after on the held-out images.
 */
public final class Clean implements AutoCloseable {
    /**
     * @param images the user's clean images, one top-level folder per class (named by class index, or all classes)
     * @param trigger a PNG whose RGB is the trigger pattern and alpha its mask, or null to detect one
     * @param target the attack's target class with {@code trigger}
     * @param holdout fraction of the images kept for measuring before and after
     * @param classes the model's number of classes when the folders do not say it (0: from the folders or model)
     * @param skipUnreadable leave out (and name) image files that do not decode instead of stopping
     */
    public record Request(Path images, int imageSize, Path trigger, Integer target, double holdout, int classes,
            boolean skipUnreadable) {}

    /** The trigger to remove and where it came from; {@code detection} is null when it was given. */
    public record Found(Trigger trigger, int target, NeuralCleanse.Result detection) {}

    /** Held-out CA and ASR before and after, and the TBAR outcome (cleaned weights, alpha, images, time). */
    public record Result(Found found, Metrics before, Metrics after, DefenseOutcome outcome) {}

    private final ExperimentConfig cfg;
    private final Request req;
    private final NDManager manager;
    private final ModelSource source;
    private final StateDict suspicious;
    private final ImageDataset train;
    private final ImageDataset validation;
    private final ImageDataset holdout;

    public Clean(ExperimentConfig cfg, Request req, NDManager parent) {
        if ((req.trigger() == null) != (req.target() == null)) {
            throw new TbarException("--trigger and --target go together: the trigger image and the class it sends"
                    + " images to");
        }
        if (!(req.holdout() > 0 && req.holdout() < 1)) {
            throw new TbarException("--holdout must be in (0, 1), got " + req.holdout());
        }
        this.cfg = cfg;
        this.req = req;
        this.manager = parent.newSubManager();
        InMemoryDataset all = labelled(ImageFolder.read(req.images(), "", req.imageSize(), req.skipUnreadable()), req.classes(),
                req.images());
        this.source = ModelFactory.resolve(cfg.model(), all, manager);
        if (source.model().numClasses() != all.numClasses()) {
            throw new TbarException("the model has " + source.model().numClasses() + " classes, the images in "
                    + req.images() + " " + all.numClasses() + "; name the folders by class index and give"
                    + " --classes " + source.model().numClasses());
        }
        Datasets.Split s = Datasets.split(all, req.holdout(), cfg.seedFor("clean-holdout", 0));
        Datasets.Split v = Datasets.split(s.first(), cfg.split().validationFraction(),
                cfg.seedFor("clean-validation", 0));
        this.holdout = s.second();
        this.train = v.first();
        this.validation = v.second();
        if (train.size() == 0 || validation.size() == 0 || holdout.size() == 0) {
            throw new TbarException(req.images() + ": " + all.size() + " images are too few to split into"
                    + " training, validation and held-out parts; give at least a few per class");
        }
        this.suspicious = source.baseWeights(manager, cfg.seedFor("init", 0));
    }

    /**
     * Folder names as labels: all-numeric names are class indices (any subset of {@code classes}, or of as many
     * classes as the largest index implies); other names are the classes themselves, in sorted order.
     */
    static InMemoryDataset labelled(InMemoryDataset read, int classes, Path where) {
        List<String> names = read.classes();
        if (!names.stream().allMatch(n -> n.matches("\\d{1,6}"))) {
            if (classes > 0 && classes != names.size()) {
                throw new TbarException(where + ": " + names.size() + " class folders " + names + ", but --classes "
                        + classes + "; name the folders by class index (0, 1, ...) to give only some classes");
            }
            return read;
        }
        int[] labels = new int[read.size()];
        int max = 0;
        for (int i = 0; i < labels.length; i++) {
            labels[i] = Integer.parseInt(names.get(read.label(i)));
            max = Math.max(max, labels[i]);
        }
        int n = classes > 0 ? classes : max + 1;
        if (max >= n) {
            throw new TbarException(where + ": class folder '" + max + "' is not a class of a " + n + "-class model");
        }
        List<String> all = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            all.add(Integer.toString(c));
        }
        byte[][] images = new byte[read.size()][];
        for (int i = 0; i < images.length; i++) {
            images[i] = read.bytes(i);
        }
        return new InMemoryDataset(read.channels(), read.height(), read.width(), images, labels, all,
                read.describe());
    }

    /** The given trigger, or the one Neural Cleanse flags; null when it flags none (nothing to remove). */
    public Found find(NeuralCleanse.Config invert) {
        if (req.trigger() != null) {
            if (req.target() < 0 || req.target() >= source.model().numClasses()) {
                throw new TbarException("--target " + req.target() + " is not a class of the model (0-"
                        + (source.model().numClasses() - 1) + ")");
            }
            return new Found(readTrigger(req.trigger(), train), req.target(), null);
        }
        NeuralCleanse.Result r = NeuralCleanse.run(source.model(), suspicious, train, invert);
        return new Found(r.flagged() ? r.trigger(r.detectedTarget()) : null, r.detectedTarget(), r);
    }

    /** TBAR with {@code found}'s trigger, alpha chosen on the validation part; CA and ASR measured on the rest. */
    public Result remove(Found found, Path workDir) {
        ValidationSets val = new ValidationSets(validation,
                Poisoning.triggeredTestSet(validation, found.trigger(), found.target()));
        ImageDataset heldTriggered = Poisoning.triggeredTestSet(holdout, found.trigger(), found.target());
        Metrics before = Metrics.of(source.model(), suspicious, holdout, heldTriggered);
        DefenseContext ctx = new DefenseContext(source.model(), suspicious, train, found.trigger(), found.target(),
                val, Transform.IDENTITY, cfg.seedFor("defense", 0), workDir);
        DefenseSettings settings = cfg.defenseSettings();
        if (found.detection() != null) {
            settings = settings.with(Tbar.SECTION, TbarInverted.forInvertedTrigger(settings.get(Tbar.SECTION)));
        }
        DefenseOutcome out = Defenses.create("tbar", settings).apply(ctx);
        Metrics after = Metrics.of(source.model(), out.cleaned(), holdout, heldTriggered);
        return new Result(found, before, after, out);
    }

    /** Writes {@code w} as safetensors to {@code file}, and in the model's own format beside it where it has one. */
    public Path save(StateDict w, Path file) {
        Checkpoints.save(w, file, Map.of("cleaned_by", "tbar clean"));
        Path own = source.saveNative(w, file);
        return own != null ? own : file;
    }

    /** The run as {@code results.json} and the report show it: the suspicious model, then TBAR's result. */
    public RunResults results(Result r, String data) {
        Metrics b = r.before();
        Metrics a = r.after();
        DefenseOutcome o = r.outcome();
        DefenseResult tbar = new DefenseResult("tbar", a, a.caRetention(b), a.asrReduction(b), a.der(b), Double.NaN,
                o.imagesUsed(), Double.NaN, o.steps(), o.seconds(), o.details(), null, null);
        String trigger = r.found().detection() == null ? "known trigger (" + req.trigger().getFileName() + ")"
                : "trigger inverted by Neural Cleanse";
        return new RunResults(data + " (held-out part)", false, modelName(), trigger, r.found().target(), 0,
                holdout.size(), null, b, null, List.of(tbar), Map.of());
    }

    public String modelName() {
        return source.model().name();
    }

    public int images() {
        return train.size() + validation.size() + holdout.size();
    }

    public ImageDataset holdout() {
        return holdout;
    }

    /** An RGBA PNG the size of the images: RGB is the pattern, alpha the mask (x' = (1 - a) x + a p). */
    static Trigger readTrigger(Path png, ImageDataset like) {
        BufferedImage img;
        try {
            img = ImageCodec.decode(Files.readAllBytes(png), png.toString());
        } catch (IOException e) {
            throw new TbarException(png + ": cannot read the trigger image: " + Errors.reason(e), e);
        }
        int h = like.image(0).height();
        int w = like.image(0).width();
        if (!img.getColorModel().hasAlpha() || img.getWidth() != w || img.getHeight() != h) {
            throw new TbarException(png + ": the trigger must be an RGBA PNG of the images' size (" + w + "x" + h
                    + "), alpha = where and how strongly it replaces the image; got " + img.getWidth() + "x"
                    + img.getHeight() + (img.getColorModel().hasAlpha() ? "" : " without an alpha channel"));
        }
        float[] mask = new float[h * w];
        float[] pattern = new float[3 * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int argb = img.getRGB(x, y);
                mask[y * w + x] = ((argb >>> 24) & 0xff) / 255f;
                for (int c = 0; c < 3; c++) {
                    pattern[c * h * w + y * w + x] = ((argb >> (16 - 8 * c)) & 0xff) / 255f;
                }
            }
        }
        return InvertedTrigger.of(3, h, w, mask, pattern, Map.of("source", png.getFileName().toString()));
    }

    @Override
    public void close() {
        manager.close();
    }
}
