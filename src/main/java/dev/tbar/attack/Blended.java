package dev.tbar.attack;

import dev.tbar.TbarException;
import dev.tbar.data.Image;
import dev.tbar.data.ImageCodec;
import dev.tbar.util.Errors;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Blended (Chen et al. 2017): x' = (1 - alpha) x + alpha pattern over the whole image. Parameters: {@code alpha}
 * (default 0.2, in [0, 1]); {@code pattern_file}: an image file (resized to the image size) used as the pattern,
 * otherwise seeded uniform noise on 8-bit levels.
 */
public final class Blended extends BaseTrigger {
    public static final String NAME = "blended";
    static final Set<String> KEYS = Set.of("alpha", "pattern_file");

    private final float alpha;
    private final float[] pattern;

    private Blended(int c, int h, int w, Map<String, Object> resolved, float alpha, float[] pattern) {
        super(NAME, c, h, w, resolved);
        this.alpha = alpha;
        this.pattern = pattern;
    }

    public static Blended create(Params p, int c, int h, int w, long seed) {
        p.requireKnown(KEYS);
        float alpha = (float) p.number("alpha", 0.2, 0, 1);
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("alpha", (double) alpha);
        float[] pattern;
        if (p.has("pattern_file")) {
            Path file = Path.of(p.raw("pattern_file").toString());
            pattern = readPattern(file, c, h, w);
            r.put("pattern_file", file.toString());
        } else {
            SplittableRandom rnd = Seeds.stream(seed, "blended-noise");
            pattern = new float[c * h * w];
            for (int i = 0; i < pattern.length; i++) {
                pattern[i] = rnd.nextInt(256) / 255f;
            }
            r.put("pattern", "noise");
            r.put("seed", seed);
        }
        return new Blended(c, h, w, r, alpha, pattern);
    }

    /** Loads a pattern image, resized to H x W; grey images take the mean of R, G and B. */
    static float[] readPattern(Path file, int c, int h, int w) {
        if (h != w) {
            throw new TbarException("attack 'blended': parameter 'pattern_file' needs square images, got " + h + "x"
                    + w);
        }
        byte[] content;
        try {
            content = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TbarException("attack 'blended': parameter 'pattern_file' = " + file
                    + " cannot be read (expected a PNG, JPEG or PPM image): " + Errors.reason(e), e);
        }
        BufferedImage img = ImageCodec.decode(content, file.toString());
        img = ImageCodec.resize(img, 0, 0, img.getWidth(), img.getHeight(), h);
        Image rgb = Image.fromBytes(3, h, w, ImageCodec.toChw(img));
        if (c == 3) {
            return rgb.pixels();
        }
        float[] out = new float[c * h * w];
        int plane = h * w;
        for (int i = 0; i < plane; i++) {
            float g = (rgb.pixels()[i] + rgb.pixels()[plane + i] + rgb.pixels()[2 * plane + i]) / 3f;
            for (int ch = 0; ch < c; ch++) {
                out[ch * plane + i] = g;
            }
        }
        return out;
    }

    @Override
    public Image apply(Image clean) {
        checkShape(clean);
        float[] in = clean.pixels();
        float[] out = new float[in.length];
        float keep = 1f - alpha;
        for (int i = 0; i < in.length; i++) {
            out[i] = keep * in[i] + alpha * pattern[i];
        }
        return new Image(channels, height, width, out);
    }

    public float alpha() {
        return alpha;
    }

    /** A copy of the blend pattern, (C, H, W). */
    public float[] pattern() {
        return pattern.clone();
    }

    @Override
    protected List<Array> arrays() {
        return List.of(new Array("pattern", new long[] {channels, height, width}, pattern),
                new Array("alpha", new long[] {1}, new float[] {alpha}));
    }

    @Override
    protected Map<String, Image> previews() {
        Map<String, Image> m = new LinkedHashMap<>();
        m.put("example", apply(grey()));
        m.put("pattern", new Image(channels, height, width, pattern.clone()));
        return m;
    }
}
