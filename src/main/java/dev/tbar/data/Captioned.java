package dev.tbar.data;

import dev.tbar.TbarException;
import java.util.List;

/**
 * Image-caption pairs as an {@link ImageDataset}: the "classes" are caption texts and a label indexes its image's
 * caption. Built from a labelled dataset by putting each class name into a template, so the pairs of one class
 * share a caption (CLIP's contrastive objective then treats them as positives of each other).
 */
public final class Captioned implements ImageDataset {
    private final ImageDataset source;
    private final List<String> captions;

    private Captioned(ImageDataset source, List<String> captions) {
        this.source = source;
        this.captions = captions;
    }

    /** Pairs (image i, template with the name of class label(i)); {@code {}} in the template marks the name. */
    public static Captioned of(ImageDataset labelled, String template) {
        if (template == null || !template.contains("{}")) {
            throw new TbarException("caption template '" + template + "' has no {} for the class name");
        }
        return new Captioned(labelled, labelled.classes().stream().map(c -> template.replace("{}", c)).toList());
    }

    @Override
    public int size() {
        return source.size();
    }

    @Override
    public int label(int i) {
        return source.label(i);
    }

    @Override
    public Image image(int i) {
        return source.image(i);
    }

    /** The caption texts; label i refers to entry i. */
    @Override
    public List<String> classes() {
        return captions;
    }

    @Override
    public String describe() {
        return source.describe() + " with captions '" + captions.get(0) + "', ...";
    }
}
