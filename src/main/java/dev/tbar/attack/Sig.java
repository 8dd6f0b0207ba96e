package dev.tbar.attack;

import dev.tbar.data.Image;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SIG (Barni et al. 2019): a horizontal sinusoid added to every row and channel,
 * x'(c, i, j) = clip(x(c, i, j) + delta/255 * sin(2 pi j f / W), 0, 1). Parameters: {@code delta} (amplitude in
 * 0..255 pixel units, default 40), {@code f} (periods across the width, default 6), {@code clean_label} (default
 * true: poisoned training images come from the target class and keep their label, as in the paper).
 */
public final class Sig extends BaseTrigger {
    public static final String NAME = "sig";
    static final Set<String> KEYS = Set.of("delta", "f", "clean_label");

    /** Signal per column, in [0, 1] units. */
    private final float[] signal;
    private final boolean cleanLabel;

    private Sig(int c, int h, int w, Map<String, Object> resolved, float[] signal, boolean cleanLabel) {
        super(NAME, c, h, w, resolved);
        this.signal = signal;
        this.cleanLabel = cleanLabel;
    }

    public static Sig create(Params p, int c, int h, int w, long seed) {
        p.requireKnown(KEYS);
        double delta = p.number("delta", 40, 0, 255);
        double f = p.number("f", 6, 0, Double.MAX_VALUE);
        boolean cleanLabel = p.flag("clean_label", true);
        float[] signal = new float[w];
        for (int j = 0; j < w; j++) {
            signal[j] = signal(delta, f, j, w);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("delta", delta);
        r.put("f", f);
        r.put("clean_label", cleanLabel);
        return new Sig(c, h, w, r, signal, cleanLabel);
    }

    /** The signal at column {@code j} of a {@code w}-wide image, in [0, 1] units. */
    public static float signal(double delta, double f, int j, int w) {
        return (float) (delta / 255.0 * Math.sin(2 * Math.PI * j * f / w));
    }

    @Override
    public boolean cleanLabel() {
        return cleanLabel;
    }

    @Override
    public Image apply(Image clean) {
        checkShape(clean);
        float[] in = clean.pixels();
        float[] out = new float[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = Math.min(1f, Math.max(0f, in[i] + signal[i % width]));
        }
        return new Image(channels, height, width, out);
    }

    /** The additive pattern, (C, H, W). */
    private float[] pattern() {
        float[] p = new float[channels * height * width];
        for (int i = 0; i < p.length; i++) {
            p[i] = signal[i % width];
        }
        return p;
    }

    @Override
    protected List<Array> arrays() {
        return List.of(new Array("pattern", new long[] {channels, height, width}, pattern()));
    }

    @Override
    protected Map<String, Image> previews() {
        Map<String, Image> m = new LinkedHashMap<>();
        m.put("example", apply(grey()));
        return m;
    }
}
