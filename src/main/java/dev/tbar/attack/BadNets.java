package dev.tbar.attack;

import dev.tbar.data.Image;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * BadNets (Gu et al. 2017): a square patch whose pixels are replaced exactly by a solid colour or a seeded noise
 * pattern. Parameters: {@code size} (px, default 3), {@code position} ({@code bottom-right} default,
 * {@code top-left}, {@code top-right}, {@code bottom-left}) with {@code margin} (px from the edges, default 0), or
 * explicit {@code x}/{@code y} (top-left corner); {@code color}: {@code white} (default), {@code black},
 * {@code noise}, or a list of 0..255 values, one per channel (or one for all).
 */
public final class BadNets extends BaseTrigger {
    public static final String NAME = "badnets";
    static final Set<String> KEYS = Set.of("size", "position", "margin", "x", "y", "color");
    private static final Set<String> POSITIONS = Set.of("bottom-right", "top-left", "top-right", "bottom-left");

    private final int x0;
    private final int y0;
    private final int size;
    /** Patch pixels, (C, size, size), in [0, 1]. */
    private final float[] patch;

    private BadNets(int c, int h, int w, Map<String, Object> resolved, int x0, int y0, int size, float[] patch) {
        super(NAME, c, h, w, resolved);
        this.x0 = x0;
        this.y0 = y0;
        this.size = size;
        this.patch = patch;
    }

    /** Builds the trigger for (C, H, W) images; noise colours are drawn from {@code seed}. */
    public static BadNets create(Params p, int c, int h, int w, long seed) {
        p.requireKnown(KEYS);
        int size = p.integer("size", 3, 1, Integer.MAX_VALUE);
        if (size > h || size > w) {
            throw p.bad("size", size, "a patch no larger than the " + h + "x" + w + " image");
        }
        int margin = p.integer("margin", 0, 0, Integer.MAX_VALUE);
        String position = p.string("position", "bottom-right", POSITIONS);
        boolean right = position.endsWith("right");
        boolean bottom = position.startsWith("bottom");
        int x = p.has("x") ? p.integer("x", 0, 0, w - size) : right ? w - size - margin : margin;
        int y = p.has("y") ? p.integer("y", 0, 0, h - size) : bottom ? h - size - margin : margin;
        if (x < 0 || y < 0) {
            throw p.bad("margin", margin, "a margin that keeps the " + size + "px patch inside the " + h + "x" + w
                    + " image");
        }
        float[] patch = new float[c * size * size];
        Object colorValue = p.raw("color") == null ? "white" : p.raw("color");
        double[] rgb = p.numbers("color");
        String colorName;
        if (rgb != null) {
            if (rgb.length != 1 && rgb.length != c) {
                throw p.bad("color", colorValue, "1 or " + c + " values in 0..255");
            }
            for (int ch = 0; ch < c; ch++) {
                double v = rgb[rgb.length == 1 ? 0 : ch];
                if (!(v >= 0 && v <= 255)) {
                    throw p.bad("color", colorValue, "values in 0..255");
                }
                java.util.Arrays.fill(patch, ch * size * size, (ch + 1) * size * size, (float) (v / 255.0));
            }
            colorName = null;
        } else {
            colorName = p.string("color", "white", Set.of("white", "black", "noise"));
            switch (colorName) {
                case "white" -> java.util.Arrays.fill(patch, 1f);
                case "black" -> java.util.Arrays.fill(patch, 0f);
                default -> {
                    // 8-bit levels so the pattern survives saving as an image unchanged.
                    SplittableRandom rnd = Seeds.stream(seed, "badnets-noise");
                    for (int i = 0; i < patch.length; i++) {
                        patch[i] = rnd.nextInt(256) / 255f;
                    }
                }
            }
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("size", size);
        r.put("x", x);
        r.put("y", y);
        r.put("color", colorName != null ? colorName : toList(rgb));
        if ("noise".equals(colorName)) {
            r.put("seed", seed);
        }
        return new BadNets(c, h, w, r, x, y, size, patch);
    }

    private static List<Double> toList(double[] v) {
        return java.util.Arrays.stream(v).boxed().toList();
    }

    @Override
    public Image apply(Image clean) {
        checkShape(clean);
        Image out = clean.copy();
        float[] px = out.pixels();
        for (int ch = 0; ch < channels; ch++) {
            for (int dy = 0; dy < size; dy++) {
                System.arraycopy(patch, (ch * size + dy) * size, px, (ch * height + y0 + dy) * width + x0, size);
            }
        }
        return out;
    }

    /** Full-size pattern (C, H, W), zero outside the patch. */
    private float[] pattern() {
        Image im = Image.blank(channels, height, width);
        return apply(im).pixels();
    }

    /** 1 inside the patch, 0 elsewhere, (1, H, W). */
    private float[] mask() {
        float[] m = new float[height * width];
        for (int dy = 0; dy < size; dy++) {
            java.util.Arrays.fill(m, (y0 + dy) * width + x0, (y0 + dy) * width + x0 + size, 1f);
        }
        return m;
    }

    @Override
    protected List<Array> arrays() {
        return List.of(new Array("pattern", new long[] {channels, height, width}, pattern()),
                new Array("mask", new long[] {1, height, width}, mask()));
    }

    @Override
    protected Map<String, Image> previews() {
        Map<String, Image> m = new LinkedHashMap<>();
        m.put("example", apply(grey()));
        m.put("pattern", new Image(channels, height, width, pattern()));
        m.put("mask", new Image(1, height, width, mask()));
        return m;
    }
}
