package dev.tbar.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.tbar.TbarException;
import dev.tbar.model.Safetensors;
import dev.tbar.model.StateDict;
import dev.tbar.util.Errors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * CLIP's zero-shot classifier: every class name is put into every prompt template, the texts are encoded and
 * L2-normalised, averaged over the templates and normalised again. The (numClasses, dim) result, times
 * exp(logit_scale), is a linear classifier over normalised image embeddings.
 */
public final class ZeroShotHead {
    /** The prompt of the CLIP paper; templates put the class name where {@code {}} stands. */
    public static final List<String> DEFAULT_TEMPLATES = List.of("a photo of a {}.");

    private static final int TEXT_BATCH = 64;

    private ZeroShotHead() {}

    /** Unit-norm class embeddings (numClasses, projectionDim) on {@code out}; no gradient is recorded. */
    public static NDArray build(ClipModel model, StateDict weights, ClipTokenizer tokenizer, List<String> classNames,
            List<String> templates, NDManager out) {
        List<String> texts = prompts(classNames, templates);
        int dim = model.config().projectionDim();
        float[] emb = new float[texts.size() * dim];
        for (int start = 0; start < texts.size(); start += TEXT_BATCH) {
            List<String> batch = texts.subList(start, Math.min(texts.size(), start + TEXT_BATCH));
            try (NDManager step = out.newSubManager()) {
                NDArray ids = tokenizer.encodeBatch(step, batch, model.config().contextLength());
                float[] e = ClipModel.normalize(model.encodeText(weights, ids)).stopGradient().toFloatArray();
                System.arraycopy(e, 0, emb, start * dim, e.length);
            }
        }
        try (NDManager step = out.newSubManager()) {
            NDArray all = dev.tbar.util.NDArrays.owned(step.create(emb,
                    new Shape(classNames.size(), templates.size(), dim)));
            NDArray head = ClipModel.normalize(all.mean(new int[] {1}));
            head.attach(out);
            return head;
        }
    }

    /** Class-major prompts: class 0 with every template, then class 1, ... */
    static List<String> prompts(List<String> classNames, List<String> templates) {
        if (classNames.isEmpty()) {
            throw new TbarException("zero-shot head: the class list is empty");
        }
        if (templates.isEmpty()) {
            throw new TbarException("zero-shot head: no prompt templates given (e.g. \"a photo of a {}.\")");
        }
        for (String t : templates) {
            if (!t.contains("{}")) {
                throw new TbarException("zero-shot prompt template '" + t + "' has no {} for the class name");
            }
        }
        List<String> out = new ArrayList<>(classNames.size() * templates.size());
        for (String c : classNames) {
            for (String t : templates) {
                out.add(t.replace("{}", c));
            }
        }
        return out;
    }

    /**
     * {@link #build} with a cache: heads are stored as safetensors in {@code cacheDir}, keyed by a hash of
     * {@code modelId} (e.g. {@link #sha256(Path)} of the weights file), the class names and the templates.
     */
    public static NDArray cached(Path cacheDir, String modelId, ClipModel model, StateDict weights,
            ClipTokenizer tokenizer, List<String> classNames, List<String> templates, NDManager out) {
        String key = sha256(String.join("\u0000", modelId, String.join("\u0001", classNames),
                String.join("\u0001", templates)).getBytes(StandardCharsets.UTF_8));
        Path file = cacheDir.resolve("zeroshot-" + key.substring(0, 32) + ".safetensors");
        Shape expected = new Shape(classNames.size(), model.config().projectionDim());
        if (Files.isRegularFile(file)) {
            Safetensors.Contents c = Safetensors.read(file, out);
            NDArray head = c.tensors().remove("head");
            c.tensors().values().forEach(NDArray::close);
            if (head != null && head.getShape().equals(expected) && key.equals(c.metadata().get("key"))) {
                return head;
            }
            if (head != null) {
                head.close(); // a stale or foreign file under our name: rebuild and replace it
            }
        }
        NDArray head = build(model, weights, tokenizer, classNames, templates, out);
        Safetensors.write(file, Map.of("head", head), Map.of("key", key, "model", modelId,
                "classes", String.join("\n", classNames), "templates", String.join("\n", templates)));
        return head;
    }

    /** Hex SHA-256 of a file's content, a stable model id for {@link #cached}. */
    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new TbarException(file + ": cannot read file to hash it: " + Errors.reason(e), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
