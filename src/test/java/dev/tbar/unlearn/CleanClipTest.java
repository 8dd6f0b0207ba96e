package dev.tbar.unlearn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.tbar.TbarException;
import dev.tbar.attack.Poisoning;
import dev.tbar.data.Batches;
import dev.tbar.data.Image;
import dev.tbar.data.InMemoryDataset;
import dev.tbar.model.Normalization;
import dev.tbar.model.ResNetCifar;
import dev.tbar.model.StateDict;
import dev.tbar.model.clip.ClipClassifier;
import dev.tbar.model.clip.ClipModel;
import dev.tbar.model.clip.ClipTokenizer;
import dev.tbar.model.clip.TinyClip;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CleanClipTest {
    static final List<String> TEMPLATES = List.of("a photo of a {}.", "a photo of the {}.");

    static CleanClip.Config config(int images) {
        return CleanClip.SECTION.with("images=" + images, "lambda1=1.0", "lambda2=0.5", "templates=" + TEMPLATES.stream()
                .map(t -> "'" + t + "'").toList(), "train.optimizer=adamw", "train.lr=1e-3", "train.max_steps=6",
                "train.batch_size=16", "train.weight_decay=0.0", "train.warmup=0");
    }

    private static DefenseContext context(dev.tbar.model.ImageClassifier model, StateDict w, InMemoryDataset clean) {
        return new DefenseContext(model, w, clean, TinyClip.badNets(), 0, new ValidationSets(clean,
                Poisoning.triggeredTestSet(clean, TinyClip.badNets(), 0)), null, 3, null);
    }

    @Test
    void finetunesBothTowersAndRebuildsTheHead(@TempDir Path dir) {
        ClipTokenizer tok = TinyClip.tokenizer(dir);
        InMemoryDataset train = TinyClip.data(40, "train", 1);
        InMemoryDataset defender = TinyClip.data(12, "defender", 2);
        try (NDManager m = NDManager.newBaseManager(); StateDict full = TinyClip.pretrained(m, tok, train, 120);
                StateDict text = new StateDict(m)) {
            ClipModel model = new ClipModel(TinyClip.CONFIG);
            model.parameterShapes().keySet().stream().filter(k -> !model.visionShapes().containsKey(k))
                    .forEach(k -> text.putParameter(k, full.get(k).duplicate()));
            ClipClassifier clf = new ClipClassifier(TinyClip.CONFIG, 4, TinyClip.SIZE,
                    new ClipClassifier.TextTower(text, tok, train.classes(), List.of(TinyClip.TEMPLATE)));
            try (StateDict backdoored = TinyClip.classifierWeights(clf, full, tok, train.classes(), m)) {
                Defense d = Defenses.create("cleanclip", DefenseSettings.defaults()
                        .with(CleanClip.SECTION, config(0)).withImageBudget(40));
                assertEquals("cleanclip", d.name());
                DefenseOutcome out = d.apply(context(clf, backdoored, defender));
                try (StateDict cleaned = out.cleaned()) {
                    assertEquals(40, out.imagesUsed());
                    assertEquals(6, out.steps());
                    assertEquals(backdoored.names(), cleaned.names());
                    assertTrue(cleaned.isBuffer(ClipClassifier.HEAD));
                    for (String k : new String[] {ClipModel.VISUAL_PROJECTION, ClipClassifier.HEAD}) {
                        assertFalse(Arrays.equals(backdoored.get(k).toFloatArray(), cleaned.get(k).toFloatArray()),
                                k + " unchanged");
                    }
                    Image[] images = {defender.image(0), defender.image(1)};
                    NDArray logits = clf.forward(cleaned, Batches.pixels(m, images), false);
                    for (float v : logits.toFloatArray()) {
                        assertTrue(Float.isFinite(v));
                    }
                }
                // the text tower the classifier holds is the source's and stays as it was
                assertTrue(Arrays.equals(full.get(ClipModel.TEXT_PROJECTION).toFloatArray(),
                        text.get(ClipModel.TEXT_PROJECTION).toFloatArray()));
            }
        }
    }

    @Test
    void refusesModelsWithoutTextTower() {
        InMemoryDataset data = TinyClip.data(3, "defender", 2);
        try (NDManager m = NDManager.newBaseManager()) {
            ResNetCifar resnet = new ResNetCifar(8, 4, Normalization.IMAGENET);
            try (StateDict w = resnet.initialize(m, 1)) {
                TbarException e = assertThrows(TbarException.class,
                        () -> new CleanClip(config(0)).apply(context(resnet, w, data)));
                assertTrue(e.getMessage().contains("needs a CLIP model"), e.getMessage());
            }
            ClipClassifier bare = new ClipClassifier(TinyClip.CONFIG, 4, TinyClip.SIZE);
            try (StateDict w = bare.initialize(m, 1)) {
                TbarException e = assertThrows(TbarException.class,
                        () -> new CleanClip(config(0)).apply(context(bare, w, data)));
                assertTrue(e.getMessage().contains("text tower"), e.getMessage());
            }
        }
        TbarException e = assertThrows(TbarException.class, () -> CleanClip.SECTION.with("lambda1=-1"));
        assertTrue(e.getMessage().contains("lambda1"), e.getMessage());
    }
}
