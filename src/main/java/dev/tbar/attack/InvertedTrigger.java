package dev.tbar.attack;

import dev.tbar.data.Image;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A reverse-engineered trigger: x' = (1 - m) x + m p with a per-pixel mask m, shape (1, H, W), and a pattern p,
 * shape (C, H, W), both in [0, 1] (what Neural Cleanse and DECREE produce). It behaves like a known trigger, so the
 * trigger set, triggered test views and TBAR work with it unchanged.
 */
public final class InvertedTrigger extends BaseTrigger {
    public static final String NAME = "inverted";

    private final float[] mask;
    private final float[] pattern;

    private InvertedTrigger(int c, int h, int w, Map<String, Object> parameters, float[] mask, float[] pattern) {
        super(NAME, c, h, w, parameters);
        this.mask = mask;
        this.pattern = pattern;
    }

    /**
     * A trigger from a mask of H*W values and a pattern of C*H*W values (copied, checked to lie in [0, 1]);
     * {@code parameters} describe its origin (method, class, norms) for reports.
     */
    public static InvertedTrigger of(int c, int h, int w, float[] mask, float[] pattern,
            Map<String, Object> parameters) {
        if (mask.length != h * w || pattern.length != c * h * w) {
            throw new IllegalArgumentException("inverted trigger for " + c + "x" + h + "x" + w + " images needs "
                    + h * w + " mask and " + c * h * w + " pattern values, got " + mask.length + " and "
                    + pattern.length);
        }
        checkUnit(mask, "mask");
        checkUnit(pattern, "pattern");
        Map<String, Object> r = new LinkedHashMap<>(parameters);
        r.put("mask_l1", l1(mask));
        return new InvertedTrigger(c, h, w, r, mask.clone(), pattern.clone());
    }

    private static void checkUnit(float[] v, String what) {
        for (float x : v) {
            if (!(x >= 0 && x <= 1)) {
                throw new IllegalArgumentException("inverted trigger " + what + " has value " + x
                        + " outside [0, 1]");
            }
        }
    }

    static double l1(float[] mask) {
        double s = 0;
        for (float x : mask) {
            s += x;
        }
        return s;
    }

    @Override
    public Image apply(Image clean) {
        checkShape(clean);
        float[] in = clean.pixels();
        float[] out = new float[in.length];
        int plane = height * width;
        for (int ch = 0; ch < channels; ch++) {
            int off = ch * plane;
            for (int i = 0; i < plane; i++) {
                float m = mask[i];
                out[off + i] = (1f - m) * in[off + i] + m * pattern[off + i];
            }
        }
        return new Image(channels, height, width, out);
    }

    /** A copy of the mask, (H * W). */
    public float[] mask() {
        return mask.clone();
    }

    /** A copy of the pattern, (C * H * W). */
    public float[] pattern() {
        return pattern.clone();
    }

    /** Sum of the mask, in pixels. */
    public double maskL1() {
        return l1(mask);
    }

    @Override
    protected List<Array> arrays() {
        return List.of(new Array("pattern", new long[] {channels, height, width}, pattern),
                new Array("mask", new long[] {1, height, width}, mask));
    }

    @Override
    protected Map<String, Image> previews() {
        Map<String, Image> m = new LinkedHashMap<>();
        m.put("example", apply(grey()));
        m.put("pattern", new Image(channels, height, width, pattern.clone()));
        m.put("mask", new Image(1, height, width, mask.clone()));
        // What the trigger actually paints: the pattern where the mask is on.
        float[] painted = new float[pattern.length];
        int plane = height * width;
        for (int i = 0; i < painted.length; i++) {
            painted[i] = mask[i % plane] * pattern[i];
        }
        m.put("masked-pattern", new Image(channels, height, width, painted));
        return m;
    }
}
