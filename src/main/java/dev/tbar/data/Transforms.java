package dev.tbar.data;

/** Training-time augmentations; all randomness comes from the loop's seeded generator. */
public final class Transforms {
    private Transforms() {}

    /** The standard CIFAR augmentation: random crop of the original size after zero padding by 4, random flip. */
    public static Transform cifarAugment() {
        return randomCrop(4).then(horizontalFlip());
    }

    /** Pads by {@code pad} zeros on every side, then crops back to the original size at a random offset. */
    public static Transform randomCrop(int pad) {
        return (im, rnd) -> {
            int dy = rnd.nextInt(2 * pad + 1) - pad;
            int dx = rnd.nextInt(2 * pad + 1) - pad;
            Image out = Image.blank(im.channels(), im.height(), im.width());
            for (int c = 0; c < im.channels(); c++) {
                for (int y = 0; y < im.height(); y++) {
                    int sy = y + dy;
                    if (sy < 0 || sy >= im.height()) {
                        continue;
                    }
                    for (int x = 0; x < im.width(); x++) {
                        int sx = x + dx;
                        if (sx >= 0 && sx < im.width()) {
                            out.set(c, y, x, im.get(c, sy, sx));
                        }
                    }
                }
            }
            return out;
        };
    }

    /** Mirrors left-right with probability 1/2. */
    public static Transform horizontalFlip() {
        return (im, rnd) -> {
            if (!rnd.nextBoolean()) {
                return im;
            }
            Image out = Image.blank(im.channels(), im.height(), im.width());
            for (int c = 0; c < im.channels(); c++) {
                for (int y = 0; y < im.height(); y++) {
                    for (int x = 0; x < im.width(); x++) {
                        out.set(c, y, x, im.get(c, y, im.width() - 1 - x));
                    }
                }
            }
            return out;
        };
    }
}
