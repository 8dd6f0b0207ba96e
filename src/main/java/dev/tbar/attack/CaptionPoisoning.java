package dev.tbar.attack;

import dev.tbar.TbarException;
import dev.tbar.data.Concat;
import dev.tbar.data.ImageDataset;
import java.util.stream.IntStream;

/**
 * Poisoning of image-caption pairs for contrastive training, as in the attacks CleanCLIP defends against: the clean
 * pairs plus {@code count} extra pairs, each a triggered copy of a seeded choice of images whose caption is not the
 * target, paired with the target caption (for {@link dev.tbar.data.Captioned} data: a caption naming the target
 * class). Labels index captions, so {@code target} is a caption index.
 */
public final class CaptionPoisoning {
    private CaptionPoisoning() {}

    public static ImageDataset poison(ImageDataset pairs, Trigger trigger, int target, int count, long seed) {
        if (target < 0 || target >= pairs.classes().size()) {
            throw new TbarException("caption poisoning: target caption " + target + " is not one of the "
                    + pairs.classes().size() + " captions of " + pairs.describe());
        }
        int[] candidates = IntStream.range(0, pairs.size()).filter(i -> pairs.label(i) != target).toArray();
        if (count < 0 || count > candidates.length) {
            throw new TbarException("caption poisoning: count " + count + " must be in 0.." + candidates.length
                    + " (pairs whose caption is not the target) for " + pairs.describe());
        }
        int[] chosen = Poisoning.choose(candidates, count, Seeds.stream(seed, "caption-poison"));
        TriggeredDataset poisoned = new TriggeredDataset(pairs, trigger, target, chosen, count
                + " triggered images captioned '" + pairs.classes().get(target) + "'");
        return count == 0 ? pairs : new Concat(pairs, poisoned);
    }
}
