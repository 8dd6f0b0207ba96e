package dev.tbar.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.tbar.TbarException;
import dev.tbar.model.TorchUnpickler.StorageRef;
import dev.tbar.model.TorchUnpickler.StorageType;
import dev.tbar.model.TorchUnpickler.TensorRef;
import dev.tbar.util.Errors;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads the tensors of a PyTorch {@code torch.save} file without Python, in both layouts:
 *
 * <ul>
 *   <li><b>legacy</b> (before PyTorch 1.6, e.g. the {@code .th} CIFAR ResNets): five consecutive pickles (magic
 *       number, protocol version, system info, the object whose tensors point at storages by persistent id, the list
 *       of storage keys) followed by each storage's bytes, in key-list order, each preceded by its element count as
 *       a little-endian int64;
 *   <li><b>zip</b> (PyTorch 1.6 and later): {@code <name>/data.pkl} plus one entry {@code <name>/data/<key>} per
 *       storage.
 * </ul>
 *
 * <p>The pickle is untrusted: only tensors, storages, {@code OrderedDict} and plain containers are built (see
 * {@link TorchUnpickler}), and every size is checked against the file before memory is allocated. F16 and BF16 are
 * widened to F32 (BF16 arrays abort the PyTorch engine), non-contiguous tensors are made contiguous.
 */
public final class TorchLegacyReader {
    /** torch.serialization's MAGIC_NUMBER and PROTOCOL_VERSION for the legacy layout. */
    private static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);

    private static final int PROTOCOL = 1001;

    /** Deflate expands data at most about 1032 times: the bound on any zip entry's real size. */
    private static final long INFLATE_RATIO = 1100;

    private TorchLegacyReader() {}

    /** True for the extensions PyTorch checkpoints use: {@code .th}, {@code .pt}, {@code .pth}. */
    public static boolean handles(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".th") || n.endsWith(".pt") || n.endsWith(".pth");
    }

    /**
     * The state dict in {@code file}, in file order: the top-level object when it maps names to tensors, otherwise
     * its one entry that does (preferring {@code state_dict} when several do), as in
     * {@code {'state_dict': ..., 'best_prec1': ...}}. Arrays are owned by {@code manager}.
     */
    public static LinkedHashMap<String, NDArray> read(Path file, NDManager manager) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > Integer.MAX_VALUE - 16) {
                throw new TbarException(file + ": PyTorch files over 2 GiB are not supported");
            }
            if (isZip(file)) {
                try (ZipFile zip = new ZipFile(file.toFile())) {
                    return new ZipLayout(file, zip, size).read(manager);
                }
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TbarException(file + ": cannot read PyTorch file: " + Errors.reason(e), e);
        }
        return new LegacyLayout(file, bytes).read(manager);
    }

    private static boolean isZip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(4);
            return head.length == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
        }
    }

    /** Storage sizes declared by persistent ids, checked for consistency; subclasses supply the bytes. */
    abstract static class Layout {
        final Path file;
        final Map<String, StorageRef> roots = new LinkedHashMap<>();
        /** No storage can hold more bytes than this: the file size, or what a zip entry could inflate to. */
        final long limit;

        Layout(Path file, long limit) {
            this.file = file;
            this.limit = limit;
        }

        /** The bytes of root storage {@code key}, little-endian, exactly {@code numel * width} long. */
        abstract ByteBuffer storage(StorageRef root);

        StorageRef root(String key, StorageType type, long numel) {
            if (numel < 0 || numel > limit / type.width) {
                throw new TbarException(file + ": storage '" + key + "' declares " + numel + " elements of "
                        + type + ", more than a file of this size can hold: truncated or corrupt file");
            }
            StorageRef r = roots.computeIfAbsent(key, k -> new StorageRef(k, type, 0, numel));
            if (r.type() != type || r.numel() != numel) {
                throw new TbarException(file + ": storage '" + key + "' is declared as " + r.type() + " of "
                        + r.numel() + " elements and as " + type + " of " + numel);
            }
            return r;
        }

        LinkedHashMap<String, NDArray> materialize(Object root, NDManager manager) {
            Map<?, ?> sd = findStateDict(root);
            LinkedHashMap<String, NDArray> out = new LinkedHashMap<>();
            Map<String, ByteBuffer> cache = new HashMap<>();
            try {
                for (Map.Entry<?, ?> e : sd.entrySet()) {
                    TensorRef t = (TensorRef) e.getValue();
                    String name = (String) e.getKey();
                    StorageRef s = t.storage();
                    ByteBuffer bytes = cache.computeIfAbsent(s.key(), k -> storage(roots.get(k)));
                    out.put(name, TorchTensors.copy(file, name, t, bytes, manager));
                }
            } catch (RuntimeException ex) {
                out.values().forEach(NDArray::close);
                throw ex;
            }
            return out;
        }

        private Map<?, ?> findStateDict(Object root) {
            if (isStateDict(root)) {
                return (Map<?, ?>) root;
            }
            if (root instanceof Map<?, ?> m) {
                List<Object> candidates = new ArrayList<>();
                m.forEach((k, v) -> {
                    if (isStateDict(v)) {
                        candidates.add(k);
                    }
                });
                if (candidates.size() == 1 || candidates.contains("state_dict")) {
                    return (Map<?, ?>) m.get(candidates.size() == 1 ? candidates.get(0) : "state_dict");
                }
                throw new TbarException(file + ": expected a state dict (names -> tensors) at the top level or"
                        + " under one key; top-level keys are " + keys(m) + (candidates.isEmpty() ? ""
                        : ", of which " + candidates + " hold tensors: rename or re-save one"));
            }
            throw new TbarException(file + ": expected a state dict (names -> tensors), found "
                    + TorchUnpickler.describe(root));
        }

        private static boolean isStateDict(Object o) {
            if (!(o instanceof Map<?, ?> m) || m.isEmpty()) {
                return false;
            }
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String) || !(e.getValue() instanceof TensorRef)) {
                    return false;
                }
            }
            return true;
        }

        private static String keys(Map<?, ?> m) {
            List<String> k = new ArrayList<>();
            m.keySet().forEach(x -> k.add(String.valueOf(x)));
            return k.size() <= 8 ? k.toString() : k.subList(0, 8) + " and " + (k.size() - 8) + " more";
        }
    }


    /** Five pickles, then the storages' bytes back to back. */
    private static final class LegacyLayout extends Layout {
        private final byte[] bytes;
        private final Map<String, Integer> starts = new HashMap<>();

        LegacyLayout(Path file, byte[] bytes) {
            super(file, bytes.length);
            this.bytes = bytes;
        }

        LinkedHashMap<String, NDArray> read(NDManager manager) {
            if (bytes.length == 0 || (bytes[0] & 0xff) != 0x80) {
                throw new TbarException(file + ": not a PyTorch file: expected a zip archive or a pickle (first byte"
                        + " 0x80), found " + (bytes.length == 0 ? "an empty file" : String.format("0x%02x",
                        bytes[0] & 0xff)) + (bytes.length > 262 && new String(bytes, 257, 5,
                        StandardCharsets.ISO_8859_1).equals("ustar") ? " (a pre-0.4 tar checkpoint: re-save it"
                        + " with a newer PyTorch)" : ""));
            }
            ByteArrayInputStream in = new ByteArrayInputStream(bytes);
            Object magic = plain().read(in, "magic-number");
            if (!(magic instanceof BigInteger b && b.equals(MAGIC))) {
                throw new TbarException(file + ": not a legacy PyTorch file: magic number is "
                        + TorchUnpickler.describe(magic) + ", expected " + MAGIC);
            }
            Object protocol = plain().read(in, "protocol-version");
            if (!Integer.valueOf(PROTOCOL).equals(protocol)) {
                throw new TbarException(file + ": unsupported legacy protocol version "
                        + TorchUnpickler.describe(protocol) + ", expected " + PROTOCOL);
            }
            Object sys = plain().read(in, "system-info");
            if (sys instanceof Map<?, ?> m && Boolean.FALSE.equals(m.get("little_endian"))) {
                throw new TbarException(file + ": saved on a big-endian machine, which is not supported");
            }
            Object root = new TorchUnpickler(file.toString(), this::resolve).read(in, "main");
            Object keys = plain().read(in, "storage-key");
            readStorages(keys, bytes.length - in.available());
            return materialize(root, manager);
        }

        /** A reader for the pickles that must not hold tensors (a fresh one each, as torch uses). */
        private TorchUnpickler plain() {
            return new TorchUnpickler(file.toString(), pid -> {
                throw new TbarException(file + ": unexpected tensor outside the main pickle");
            });
        }

        /** {@code ('storage', type, key, location, numel, view)} where view is None or (key, offset, numel). */
        private StorageRef resolve(Object[] pid) {
            String key = String.valueOf(pid[2]);
            StorageType type = (StorageType) pid[1];
            StorageRef root = root(key, type, TorchUnpickler.toLong(pid[4], "storage size"));
            if (pid.length < 6 || pid[5] == null) {
                return root;
            }
            if (!(pid[5] instanceof Object[] v) || v.length != 3) {
                throw new TbarException(file + ": storage '" + key + "' has malformed view metadata");
            }
            long offset = TorchUnpickler.toLong(v[1], "view offset");
            long numel = TorchUnpickler.toLong(v[2], "view size");
            if (offset < 0 || numel < 0 || offset + numel > root.numel()) {
                throw new TbarException(file + ": view of storage '" + key + "' (offset " + offset + ", " + numel
                        + " elements) exceeds its " + root.numel() + " elements");
            }
            return new StorageRef(key, type, offset, numel);
        }

        private void readStorages(Object keys, int pos) {
            if (!(keys instanceof List<?> list)) {
                throw new TbarException(file + ": expected the list of storage keys after the main pickle, found "
                        + TorchUnpickler.describe(keys));
            }
            for (Object k : list) {
                StorageRef r = roots.get(String.valueOf(k));
                if (r == null || starts.containsKey(r.key())) {
                    throw new TbarException(file + ": storage key list names " + TorchUnpickler.describe(k) + ", "
                            + (r == null ? "which no tensor uses" : "twice"));
                }
                if (bytes.length - pos < 8) {
                    throw truncated("the size of storage '" + r.key() + "'");
                }
                long numel = ByteBuffer.wrap(bytes, pos, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
                if (numel < 0 || numel > (bytes.length - pos - 8) / r.type().width) {
                    throw truncated("storage '" + r.key() + "' (" + numel + " elements of " + r.type() + ")");
                }
                if (numel != r.numel()) {
                    throw new TbarException(file + ": storage '" + r.key() + "' holds " + numel
                            + " elements on disk but " + r.numel() + " are declared");
                }
                long len = numel * r.type().width;
                starts.put(r.key(), pos + 8);
                pos += 8 + (int) len;
            }
            for (String k : roots.keySet()) {
                if (!starts.containsKey(k)) {
                    throw new TbarException(file + ": storage '" + k + "' is used by a tensor but absent from the"
                            + " storage key list");
                }
            }
            if (pos != bytes.length) {
                throw new TbarException(file + ": " + (bytes.length - pos) + " unexpected bytes after the last"
                        + " storage");
            }
        }

        private TbarException truncated(String what) {
            return new TbarException(file + ": truncated file: ends inside " + what);
        }

        @Override
        ByteBuffer storage(StorageRef root) {
            return ByteBuffer.wrap(bytes, starts.get(root.key()), (int) (root.numel() * root.type().width)).slice()
                    .order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    /** {@code <name>/data.pkl} and {@code <name>/data/<key>} entries of a zip archive (torch.save and TorchScript). */
    static final class ZipLayout extends Layout {
        private final ZipFile zip;
        private final long totalLimit;
        private long inflated;
        private String prefix;

        ZipLayout(Path file, ZipFile zip, long fileSize) {
            // all entries together, not only each: what deflate can expand, and half the heap that will hold them
            this(file, zip, fileSize, Math.min(INFLATE_RATIO * fileSize, Runtime.getRuntime().maxMemory() / 2));
        }

        ZipLayout(Path file, ZipFile zip, long fileSize, long totalLimit) {
            super(file, Math.min(TorchTensors.MAX_TENSOR_BYTES, INFLATE_RATIO * fileSize));
            this.zip = zip;
            this.totalLimit = totalLimit;
        }

        LinkedHashMap<String, NDArray> read(NDManager manager) throws IOException {
            return materialize(root(false), manager);
        }

        /** The unpickled data.pkl; {@code scriptObjects} admits TorchScript's {@code __torch__.*} module objects. */
        Object root(boolean scriptObjects) throws IOException {
            ZipEntry pkl = zip.stream().filter(e -> e.getName().endsWith("data.pkl")
                            && e.getName().indexOf('/') == e.getName().length() - "data.pkl".length() - 1)
                    .findFirst().orElseThrow(() -> new TbarException(file + ": zip archive without <name>/data.pkl;"
                            + " not a PyTorch checkpoint"));
            prefix = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            ZipEntry order = zip.getEntry(prefix + "byteorder");
            if (order != null && !new String(entry(order, 16), StandardCharsets.US_ASCII).trim().equals("little")) {
                throw new TbarException(file + ": saved with big-endian byte order, which is not supported");
            }
            return new TorchUnpickler(file.toString(), this::resolve, scriptObjects)
                    .read(new ByteArrayInputStream(entry(pkl, limit)), "data.pkl");
        }

        /** The entry name prefix ({@code <name>/}) of the archive's records, known once {@link #root} has run. */
        String prefix() {
            return prefix;
        }

        /** {@code ('storage', type, key, location, numel)}. */
        private StorageRef resolve(Object[] pid) {
            return root(String.valueOf(pid[2]), (StorageType) pid[1], TorchUnpickler.toLong(pid[4], "storage size"));
        }

        @Override
        ByteBuffer storage(StorageRef root) {
            String name = prefix + "data/" + root.key();
            ZipEntry e = zip.getEntry(name);
            if (e == null) {
                throw new TbarException(file + ": zip entry '" + name + "' (a storage a tensor uses) is missing");
            }
            long len = root.numel() * root.type().width;
            try {
                byte[] b = entry(e, len);
                if (b.length != len) {
                    throw new TbarException(file + ": zip entry '" + name + "' has " + b.length + " bytes, expected "
                            + len + " (" + root.numel() + " elements of " + root.type() + ")");
                }
                return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            } catch (IOException ex) {
                throw new TbarException(file + ": cannot read zip entry '" + name + "': " + Errors.reason(ex), ex);
            }
        }

        /** The entry's bytes, refusing more than {@code limit} (a crafted size must not exhaust memory). */
        private byte[] entry(ZipEntry e, long limit) throws IOException {
            try (InputStream in = zip.getInputStream(e)) {
                long room = Math.min(Math.min(limit, TorchTensors.MAX_TENSOR_BYTES), totalLimit - inflated);
                byte[] b = in.readNBytes((int) Math.max(0, room));
                if (in.read() != -1) {
                    throw new TbarException(file + ": zip entry '" + e.getName() + "' is larger than expected ("
                            + limit + " bytes), or the archive inflates to more than " + totalLimit + " bytes in all"
                            + " (what its size allows, and at most half the Java heap: raise -Xmx for a model this"
                            + " large)");
                }
                inflated += b.length;
                return b;
            }
        }
    }
}
