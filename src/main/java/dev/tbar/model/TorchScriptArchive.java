package dev.tbar.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.tbar.TbarException;
import dev.tbar.model.TorchUnpickler.ScriptObject;
import dev.tbar.model.TorchUnpickler.StorageRef;
import dev.tbar.model.TorchUnpickler.StorageType;
import dev.tbar.model.TorchUnpickler.TensorRef;
import dev.tbar.util.AtomicFiles;
import dev.tbar.util.Errors;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * A TorchScript file (a zip of {@code <name>/code/*.py}, {@code data.pkl} and {@code data/<key>} storages) read as
 * untrusted input: data.pkl goes through the allow-listed unpickler (module objects are inert records), sizes are
 * bounded. It provides the two things libtorch cannot: a copy whose buffers are declared parameters (DJL reaches a
 * module's parameters only), and a copy of the original file with new tensor values written into its storages, so
 * that a cleaned model stays the user's own program.
 */
public final class TorchScriptArchive implements AutoCloseable {
    private static final int MAX_ENTRIES = 100_000;
    private static final long MAX_CODE_BYTES = 64L << 20;
    private static final int MAX_DEPTH = 256;
    private static final Pattern LIST = Pattern.compile("^(\\s*)(__parameters__|__buffers__) = \\[(.*)]\\s*$");

    private final Path file;
    private final String prefix;
    /** Every tensor attribute of the module tree by dotted name ({@code net.bn1.running_mean}). */
    private final LinkedHashMap<String, TensorRef> tensors = new LinkedHashMap<>();
    private final TorchLegacyReader.ZipLayout layout;
    private final ZipFile zip;

    private TorchScriptArchive(Path file, ZipFile zip) throws IOException {
        this.file = file;
        this.zip = zip;
        if (zip.size() > MAX_ENTRIES) {
            throw new TbarException(file + ": " + zip.size() + " zip entries, more than a model holds (at most "
                    + MAX_ENTRIES + ")");
        }
        this.layout = new TorchLegacyReader.ZipLayout(file, zip, Files.size(file));
        Object root = layout.root(true);
        this.prefix = layout.prefix();
        if (!(root instanceof ScriptObject top) || zip.getEntry(prefix + "constants.pkl") == null
                || zip.stream().noneMatch(e -> e.getName().startsWith(prefix + "code/"))) {
            throw new TbarException(file + ": not a TorchScript file (expected a scripted or traced module saved"
                    + " with torch.jit.save: code/, data.pkl holding a module, constants.pkl)");
        }
        collect("", top, java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
    }

    /** Opens and checks {@code file}; the archive stays open until {@link #close}. */
    public static TorchScriptArchive open(Path file) {
        ZipFile zip = null;
        try {
            zip = new ZipFile(file.toFile());
            return new TorchScriptArchive(file, zip);
        } catch (IOException e) {
            closeQuietly(zip);
            throw new TbarException(file + ": cannot read as a TorchScript file (a zip archive): " + Errors.reason(e),
                    e);
        } catch (RuntimeException e) {
            closeQuietly(zip);
            throw e;
        }
    }

    /** Whether {@code file} looks like a TorchScript archive (a zip with code/ and constants.pkl), without parsing. */
    public static boolean isTorchScript(Path file) {
        try (ZipFile z = new ZipFile(file.toFile())) {
            return z.stream().anyMatch(e -> e.getName().endsWith("/constants.pkl"))
                    && z.stream().anyMatch(e -> e.getName().contains("/code/"));
        } catch (IOException e) {
            return false;
        }
    }

    /** Walks the module tree; {@code ancestors} catches a module that contains itself (a shared one is fine). */
    private void collect(String path, ScriptObject o, java.util.Set<ScriptObject> ancestors) {
        if (!ancestors.add(o) || ancestors.size() > MAX_DEPTH) {
            throw new TbarException(file + ": corrupt TorchScript file: module '" + path + "' contains itself or is"
                    + " nested deeper than " + MAX_DEPTH);
        }
        if (!(o.state instanceof Map<?, ?> attrs)) {
            return; // a custom class with its own __getstate__: no module attributes to find
        }
        attrs.forEach((k, v) -> {
            String name = path.isEmpty() ? String.valueOf(k) : path + "." + k;
            if (v instanceof TensorRef t) {
                tensors.put(name, t);
            } else if (v instanceof ScriptObject child) {
                collect(name, child, ancestors);
            }
        });
        ancestors.remove(o);
    }

    public Path file() {
        return file;
    }

    /** Names of every tensor attribute in the module tree, in file order. */
    public List<String> tensorNames() {
        return List.copyOf(tensors.keySet());
    }

    /**
     * Writes to {@code out} the same archive with each class's buffers declared as parameters (and no debug
     * records, whose source ranges would no longer match). Loaded by libtorch, its parameter list then holds the
     * buffers too; the program and the values are unchanged.
     */
    public void writeWithBuffersAsParameters(Path out) {
        copy(out, (name, bytes) -> name.startsWith(prefix + "code/") && name.endsWith(".py")
                ? buffersAsParameters(name, bytes) : bytes, name -> name.endsWith(".debug_pkl"));
    }

    private byte[] buffersAsParameters(String name, byte[] bytes) {
        if (bytes.length > MAX_CODE_BYTES) {
            throw new TbarException(file + ": code record '" + name + "' is " + bytes.length + " bytes");
        }
        String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
        for (int i = 0; i + 1 < lines.length; i++) {
            Matcher p = LIST.matcher(lines[i]);
            Matcher b = LIST.matcher(lines[i + 1]);
            if (p.matches() && b.matches() && p.group(2).equals("__parameters__") && b.group(2).equals("__buffers__")) {
                lines[i] = p.group(1) + "__parameters__ = [" + p.group(3) + b.group(3) + "]";
                lines[i + 1] = b.group(1) + "__buffers__ = []";
            }
        }
        return String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Writes to {@code out} (atomically) this archive with {@code values} in place of the stored tensors of the
     * same names; everything else, the program included, is copied unchanged. Values must match the stored shapes;
     * only float32 storages can be written.
     */
    public void writeWith(Map<String, NDArray> values, Path out) {
        Map<String, ByteBuffer> storages = new HashMap<>();
        values.forEach((name, v) -> {
            TensorRef t = tensors.get(name);
            if (t == null) {
                throw new TbarException(file + ": no tensor '" + name + "' in the TorchScript module to write");
            }
            StorageRef s = t.storage();
            if (s.type() != StorageType.FloatStorage || v.getDataType() != DataType.FLOAT32) {
                throw new TbarException(file + ": tensor '" + name + "' is stored as " + s.type() + "; only float32"
                        + " tensors can be written back");
            }
            if (!contiguous(t) || !v.getShape().equals(new ai.djl.ndarray.types.Shape(t.size()))) {
                throw new TbarException(file + ": tensor '" + name + "' is stored with shape " + show(t.size())
                        + " and strides " + show(t.stride()) + "; cannot write a " + v.getShape() + " array into it");
            }
            ByteBuffer dst = storages.computeIfAbsent(s.key(), k -> copyOf(layout.storage(s)));
            float[] data = v.toFloatArray();
            ByteBuffer region = dst.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            region.position(Math.toIntExact((s.offset() + t.offset()) * 4));
            region.asFloatBuffer().put(data);
        });
        copy(out, (name, bytes) -> {
            ByteBuffer b = name.startsWith(prefix + "data/") ? storages.get(name.substring(prefix.length() + 5))
                    : null;
            return b == null ? bytes : b.array();
        }, name -> false);
    }

    private static ByteBuffer copyOf(ByteBuffer src) {
        ByteBuffer b = ByteBuffer.allocate(src.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(src.duplicate());
        return b.flip();
    }

    private static boolean contiguous(TensorRef t) {
        long expected = 1;
        for (int i = t.size().length - 1; i >= 0; i--) {
            if (t.size()[i] != 1 && t.stride()[i] != expected) {
                return false;
            }
            expected *= t.size()[i];
        }
        return true;
    }

    private interface Edit {
        byte[] apply(String name, byte[] bytes) throws IOException;
    }

    /** Copies every record, in order and uncompressed as PyTorch writes them, through {@code edit}. */
    private void copy(Path out, Edit edit, java.util.function.Predicate<String> drop) {
        AtomicFiles.write(out, os -> {
            ZipOutputStream z = new ZipOutputStream(os);
            for (ZipEntry e : Collections.list(zip.entries())) {
                if (drop.test(e.getName())) {
                    continue;
                }
                byte[] b = edit.apply(e.getName(), read(e));
                ZipEntry n = new ZipEntry(e.getName());
                n.setMethod(ZipEntry.STORED);
                n.setSize(b.length);
                CRC32 crc = new CRC32();
                crc.update(b);
                n.setCrc(crc.getValue());
                z.putNextEntry(n);
                z.write(b);
                z.closeEntry();
            }
            z.finish();
        });
    }

    private byte[] read(ZipEntry e) throws IOException {
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes((int) TorchTensors.MAX_TENSOR_BYTES);
            if (in.read() != -1) {
                throw new TbarException(file + ": zip entry '" + e.getName() + "' is larger than 2 GiB");
            }
            return b;
        }
    }

    private static String show(long[] a) {
        List<String> s = new ArrayList<>();
        for (long x : a) {
            s.add(Long.toString(x));
        }
        return "(" + String.join(", ", s) + ")";
    }

    @Override
    public void close() {
        closeQuietly(zip);
    }

    private static void closeQuietly(ZipFile z) {
        if (z != null) {
            try {
                z.close();
            } catch (IOException ignored) {
                // read-only: nothing to lose
            }
        }
    }
}
