package dev.tbar.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.tbar.data.Image;
import dev.tbar.data.ImageCodec;
import dev.tbar.model.Safetensors;
import dev.tbar.util.AtomicFiles;
import dev.tbar.util.Devices;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every trigger shares: resolved parameters, the exact arrays that define it, their hash, and saving them
 * (safetensors + PNG previews). Subclasses only implement {@link #apply} and list their arrays and previews.
 */
public abstract class BaseTrigger implements Trigger {
    /** One exact array of the trigger (pattern, mask, grid), float32, row-major. */
    public record Array(String name, long[] shape, float[] data) {}

    private static final ObjectMapper JSON = new ObjectMapper().configure(
            SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    protected final int channels;
    protected final int height;
    protected final int width;
    private final String name;
    private final Map<String, Object> parameters;
    private String sha;

    protected BaseTrigger(String name, int channels, int height, int width, Map<String, Object> parameters) {
        this.name = name;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** The arrays that, with the parameters, define the trigger exactly. */
    protected abstract List<Array> arrays();

    /** PNG previews by file-name suffix, e.g. {@code example} -> {@code trigger-example.png}. */
    protected abstract Map<String, Image> previews();

    @Override
    public String name() {
        return name;
    }

    @Override
    public Map<String, Object> parameters() {
        return parameters;
    }

    /** The triggered version of every image in {@code images}. */
    public Image[] applyAll(Image[] images) {
        Image[] out = new Image[images.length];
        for (int i = 0; i < images.length; i++) {
            out[i] = apply(images[i]);
        }
        return out;
    }

    protected void checkShape(Image im) {
        if (im.channels() != channels || im.height() != height || im.width() != width) {
            throw new IllegalArgumentException(name + " trigger was built for " + channels + "x" + height + "x" + width
                    + " images, got " + im.channels() + "x" + im.height() + "x" + im.width());
        }
    }

    @Override
    public synchronized String sha256() {
        if (sha == null) {
            try {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                md.update((name + "\n" + parametersJson() + "\n").getBytes(StandardCharsets.UTF_8));
                for (Array a : arrays()) {
                    md.update((a.name() + java.util.Arrays.toString(a.shape()) + "\n").getBytes(StandardCharsets.UTF_8));
                    ByteBuffer b = ByteBuffer.allocate(4 * a.data().length).order(ByteOrder.LITTLE_ENDIAN);
                    b.asFloatBuffer().put(a.data());
                    md.update(b);
                }
                sha = HexFormat.of().formatHex(md.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return sha;
    }

    /** Writes {@code trigger.safetensors} (arrays; name, parameters and hash as metadata) and PNG previews. */
    @Override
    public List<Path> save(Path dir) {
        List<Path> written = new ArrayList<>();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("attack", name);
        meta.put("parameters", parametersJson());
        meta.put("sha256", sha256());
        Path st = dir.resolve("trigger.safetensors");
        try (NDManager m = Devices.newManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (Array a : arrays()) {
                tensors.put(a.name(), m.create(a.data(), new Shape(a.shape())));
            }
            Safetensors.write(st, tensors, meta);
        }
        written.add(st);
        for (Map.Entry<String, Image> p : previews().entrySet()) {
            Path png = dir.resolve("trigger-" + p.getKey() + ".png");
            byte[] bytes = ImageCodec.toPng(p.getValue());
            AtomicFiles.write(png, out -> out.write(bytes));
            written.add(png);
        }
        return written;
    }

    /** Parameters as JSON with sorted keys: the canonical form hashed and stored in the manifest. */
    public String parametersJson() {
        try {
            return JSON.writeValueAsString(parameters);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A mid-grey image: the backdrop of previews for additive triggers. */
    protected Image grey() {
        Image g = Image.blank(channels, height, width);
        java.util.Arrays.fill(g.pixels(), 0.5f);
        return g;
    }

    @Override
    public String toString() {
        return name + parametersJson();
    }
}
