package dev.tbar.model;

import dev.tbar.TbarException;
import dev.tbar.util.Errors;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * A pickle reader that builds only what a PyTorch state dict needs: tensors (as {@link TensorRef}s to storages whose
 * bytes the caller supplies), storages, {@code collections.OrderedDict} and plain containers and scalars. Any other
 * global is refused with the class name, as {@code torch.load(weights_only=True)} does: a pickle may name any Python
 * callable, and the file is untrusted input.
 *
 * <p>Every length read from the pickle is checked against the bytes left before anything is allocated, so a crafted
 * length cannot exhaust memory. Dicts keep insertion order, as Python's do (the library's default is a HashMap).
 */
final class TorchUnpickler extends Unpickler {
    /** PyTorch storage classes, with the element width of their bytes on disk. */
    enum StorageType {
        FloatStorage(4), DoubleStorage(8), HalfStorage(2), BFloat16Storage(2), LongStorage(8), IntStorage(4),
        ShortStorage(2), CharStorage(1), ByteStorage(1), BoolStorage(1);

        final int width;

        StorageType(int width) {
            this.width = width;
        }
    }

    /** A persistent id resolved to a storage: {@code numel} elements from {@code offset} of storage {@code key}. */
    record StorageRef(String key, StorageType type, long offset, long numel) {}

    /** A strided view of a storage, as {@code torch._utils._rebuild_tensor*} describes it. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {}

    /** Resolves a persistent id tuple ({@code ('storage', type, key, location, numel, ...)}) to a storage. */
    interface StorageResolver {
        StorageRef resolve(Object[] pid);
    }

    private static final int GLOBAL = 'c';
    private static final int STACK_GLOBAL = 0x93;
    private static final int BUILD = 'b';
    private static final int EMPTY_DICT = '}';
    private static final int DICT = 'd';
    private static final int SETITEM = 's';
    private static final int SETITEMS = 'u';
    private static final int ADDITEMS = 0x90;
    private static final int FROZENSET = 0x91;
    /** Longest decimal number accepted (Python ints in checkpoints are far shorter). */
    private static final int MAX_NUMBER_TEXT = 1000;
    /** Deepest tuple nesting accepted in a dict key or set member. */
    private static final int MAX_KEY_DEPTH = 100;

    private final String source;
    private final StorageResolver storages;
    private final boolean scriptObjects;

    TorchUnpickler(String source, StorageResolver storages) {
        this(source, storages, false);
    }

    /**
     * With {@code scriptObjects}, {@code __torch__.*} classes (the modules of a TorchScript archive's data.pkl) are
     * also accepted, as inert {@link ScriptObject}s: their state is recorded, nothing is called.
     */
    TorchUnpickler(String source, StorageResolver storages, boolean scriptObjects) {
        this.source = source;
        this.storages = storages;
        this.scriptObjects = scriptObjects;
    }

    /** Reads one pickle from {@code in}, leaving the stream just after its STOP opcode. */
    Object read(ByteArrayInputStream in, String what) {
        try {
            return load(in);
        } catch (TbarException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new TbarException(source + ": corrupt or truncated " + what + " pickle: " + Errors.reason(e), e);
        }
    }

    @Override
    protected Object dispatch(short key) throws PickleException, IOException {
        switch (key) {
            case GLOBAL:
                stack.add(global(line(), line()));
                return NO_RETURN_VALUE;
            case STACK_GLOBAL: {
                Object name = stack.pop();
                Object module = stack.pop();
                stack.add(global(String.valueOf(module), String.valueOf(name)));
                return NO_RETURN_VALUE;
            }
            case BUILD: {
                // OrderedDict state (state_dict()._metadata, version info) and numpy state are not needed; a script
                // object keeps its state; anything else is refused.
                Object state = stack.pop();
                if (stack.peek() instanceof ScriptObject o) {
                    o.state = state;
                } else if (stack.peek() instanceof Skipped) {
                    return NO_RETURN_VALUE;
                } else if (!(stack.peek() instanceof OrderedDictMap)) {
                    throw refuse("BUILD (set state) on " + describe(stack.peek()));
                }
                return NO_RETURN_VALUE;
            }
            case SETITEM:
            case SETITEMS: {
                // The library collects the items into a HashMap first, which loses their order.
                List<Object> items;
                if (key == SETITEM) {
                    Object value = stack.pop();
                    items = java.util.Arrays.asList(stack.pop(), value);
                } else {
                    items = stack.pop_all_since_marker();
                }
                if (items.size() % 2 != 0 || !(stack.peek() instanceof Map<?, ?>)) {
                    throw new PickleException("SETITEMS needs a dict and key/value pairs");
                }
                @SuppressWarnings("unchecked")
                Map<Object, Object> target = (Map<Object, Object>) stack.peek();
                for (int i = 0; i < items.size(); i += 2) {
                    target.put(hashable(items.get(i), 0), items.get(i + 1));
                }
                return NO_RETURN_VALUE;
            }
            case EMPTY_DICT:
                stack.add(new LinkedHashMap<>());
                return NO_RETURN_VALUE;
            case DICT: {
                List<Object> items = stack.pop_all_since_marker();
                if (items.size() % 2 != 0) {
                    throw new PickleException("DICT with an odd number of items");
                }
                Map<Object, Object> m = new LinkedHashMap<>();
                for (int i = 0; i < items.size(); i += 2) {
                    m.put(hashable(items.get(i), 0), items.get(i + 1));
                }
                stack.add(m);
                return NO_RETURN_VALUE;
            }
            case ADDITEMS: {
                List<Object> items = stack.pop_all_since_marker();
                if (!(stack.peek() instanceof java.util.Set<?>)) {
                    throw new PickleException("ADDITEMS needs a set");
                }
                @SuppressWarnings("unchecked")
                java.util.Set<Object> target = (java.util.Set<Object>) stack.peek();
                items.forEach(x -> target.add(hashable(x, 0)));
                return NO_RETURN_VALUE;
            }
            case FROZENSET: {
                java.util.Set<Object> set = new java.util.LinkedHashSet<>();
                stack.pop_all_since_marker().forEach(x -> set.add(hashable(x, 0)));
                stack.add(set);
                return NO_RETURN_VALUE;
            }
            case 'I': // INT, LONG, FLOAT: decimal text lines, whose parsing is quadratic in their length
            case 'L':
            case 'F':
                checkLine(MAX_NUMBER_TEXT);
                break;
            case 0x8b: // LONG4: a length-prefixed integer, bounded like the text forms
                checkLength(4);
                checkNumberBytes();
                break;
            case 'i': // INST
            case 'o': // OBJ
                throw refuse("an old-style class instance (opcode " + (char) key + ")");
            case 0x82: // EXT1..EXT4: the copyreg extension registry
            case 0x83:
            case 0x84:
                throw refuse("an extension-registry reference");
            case 0x97: // NEXT_BUFFER, READONLY_BUFFER: out-of-band buffers
            case 0x98:
                throw refuse("an out-of-band buffer");
            case 'T': // BINSTRING
            case 'X': // BINUNICODE
            case 'B': // BINBYTES
                checkLength(4);
                break;
            case 0x8d: // BINUNICODE8
            case 0x8e: // BINBYTES8
            case 0x96: // BYTEARRAY8
                checkLength(8);
                break;
            default:
                break;
        }
        return super.dispatch(key);
    }

    /** A newline-terminated line; a line cut by the end of the data is an error, not a shorter name. */
    private String line() throws IOException {
        String l = PickleUtils.readline(input, true);
        if (!l.endsWith("\n")) {
            throw new PickleException("premature end of data");
        }
        return l.substring(0, l.length() - 1);
    }

    /** Peeks the little-endian length that follows the opcode and checks it against the bytes left. */
    private void checkLength(int width) throws IOException {
        input.mark(width);
        byte[] b = input.readNBytes(width);
        input.reset();
        if (b.length < width) {
            throw new PickleException("premature end of data");
        }
        long len = 0;
        for (int i = width - 1; i >= 0; i--) {
            len = (len << 8) | (b[i] & 0xff);
        }
        if (width == 4 && len > Integer.MAX_VALUE) {
            len = (int) len; // LONG4 and BINSTRING lengths are signed
        }
        if (len < 0 || len > input.available() - width) {
            throw new PickleException("a length of " + len + " bytes runs past the end of the data ("
                    + Math.max(0, input.available() - width) + " bytes left)");
        }
    }

    /**
     * {@code key} itself, if Python could hash it: lists, dicts and sets cannot be dict keys or set members, and
     * Java would hash them recursively (exponential time for shared sublists, a stack overflow for a list that
     * contains itself).
     */
    private Object hashable(Object key, int depth) {
        if (key instanceof Collection<?> || key instanceof Map<?, ?> || key instanceof ScriptObject) {
            throw new TbarException(source + ": corrupt pickle: unhashable " + describe(key)
                    + " used as a dict key or set member");
        }
        if (key instanceof Object[] tuple) {
            if (depth >= MAX_KEY_DEPTH) {
                throw new TbarException(source + ": corrupt pickle: a key nested deeper than " + MAX_KEY_DEPTH);
            }
            for (Object x : tuple) {
                hashable(x, depth + 1);
            }
        }
        return key;
    }

    /** Checks that a newline comes within {@code max} bytes, without consuming anything. */
    private void checkLine(int max) throws IOException {
        input.mark(max + 1);
        byte[] b = input.readNBytes(max + 1);
        input.reset();
        for (byte x : b) {
            if (x == '\n') {
                return;
            }
        }
        throw new TbarException(source + ": corrupt pickle: a number written with more than " + max
                + " characters");
    }

    /** LONG4's length, already checked against the data, must also be that of a plausible number. */
    private void checkNumberBytes() throws IOException {
        input.mark(4);
        byte[] b = input.readNBytes(4);
        input.reset();
        long len = (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (long) (b[3] & 0xff) << 24;
        if (len > MAX_NUMBER_TEXT) {
            throw new TbarException(source + ": corrupt pickle: an integer of " + len + " bytes");
        }
    }

    @Override
    protected Object persistentLoad(Object pid) {
        if (!(pid instanceof Object[])) {
            throw new TbarException(source + ": unsupported persistent id " + describe(pid)
                    + "; expected a ('storage', type, key, location, size) tuple");
        }
        Object[] t = (Object[]) pid;
        if (t.length < 5 || !"storage".equals(t[0])) {
            throw new TbarException(source + ": unsupported persistent id of kind " + describe(t.length > 0 ? t[0]
                    : null) + "; only tensor storages are allowed (whole pickled modules are not loaded)");
        }
        if (!(t[1] instanceof StorageType)) {
            throw new TbarException(source + ": persistent id names storage type " + describe(t[1])
                    + ", expected a torch.*Storage class");
        }
        return storages.resolve(t);
    }

    private Object global(String module, String name) {
        String full = module + "." + name;
        switch (full) {
            case "collections.OrderedDict":
                return (IObjectConstructor) args -> orderedDict(args);
            case "torch._utils._rebuild_tensor":
            case "torch._utils._rebuild_tensor_v2":
                return (IObjectConstructor) args -> tensor(full, args);
            case "numpy.core.multiarray._reconstruct":
            case "numpy._core.multiarray._reconstruct":
            case "numpy.core.multiarray.scalar":
            case "numpy._core.multiarray.scalar":
            case "numpy.dtype":
            case "numpy.ndarray":
                // data saved beside the weights (BackdoorBench's poisoned-set indices): a placeholder, never built
                return (IObjectConstructor) args -> new Skipped(full);
            case "torch._utils._rebuild_parameter":
                return (IObjectConstructor) args -> {
                    if (args.length < 1 || !(args[0] instanceof TensorRef)) {
                        throw new PickleException(full + " expects a tensor, got " + describeArgs(args));
                    }
                    return args[0];
                };
            default:
                if (scriptObjects && (module.equals("__torch__") || module.startsWith("__torch__."))) {
                    return (IObjectConstructor) args -> new ScriptObject(full);
                }
                if (scriptObjects && (full.equals("torch.jit._pickle.restore_type_tag")
                        || full.matches("torch\\.jit\\._pickle\\.build_(int|double|bool|tensor)list"))) {
                    return (IObjectConstructor) args -> args.length > 0 ? args[0] : null; // typed list or value
                }
                if (module.equals("torch")) {
                    for (StorageType s : StorageType.values()) {
                        if (s.name().equals(name)) {
                            return s;
                        }
                    }
                }
                throw refuse("global '" + full + "'");
        }
    }

    private TbarException refuse(String what) {
        return new TbarException(source + ": refusing to load " + what + ": only tensors, storages,"
                + " collections.OrderedDict, numpy arrays and plain containers are allowed (as"
                + " torch.load(weights_only=True))");
    }

    /** {@code OrderedDict()} or {@code OrderedDict([(k, v), ...])}. */
    private static Object orderedDict(Object[] args) {
        OrderedDictMap m = new OrderedDictMap();
        if (args.length == 1 && args[0] instanceof Collection<?> pairs) {
            for (Object p : pairs) {
                Object[] kv = p instanceof Object[] a ? a : p instanceof List<?> l ? l.toArray() : null;
                if (kv == null || kv.length != 2) {
                    throw new PickleException("OrderedDict expects (key, value) pairs, got " + describe(p));
                }
                m.put(kv[0], kv[1]);
            }
        } else if (args.length != 0) {
            throw new PickleException("OrderedDict expects no argument or a list of pairs, got " + describeArgs(args));
        }
        return m;
    }

    /** {@code _rebuild_tensor(storage, offset, size, stride)}; v2 adds requires_grad, hooks and metadata. */
    private static TensorRef tensor(String fn, Object[] a) {
        if (a.length < 4 || !(a[0] instanceof StorageRef s) || !(a[2] instanceof Object[] size)
                || !(a[3] instanceof Object[] stride) || size.length != stride.length) {
            throw new PickleException(fn + " expects (storage, offset, size tuple, stride tuple of the same length),"
                    + " got " + describeArgs(a));
        }
        long[] sz = new long[size.length];
        long[] st = new long[size.length];
        for (int i = 0; i < sz.length; i++) {
            sz[i] = toLong(size[i], fn + " size");
            st[i] = toLong(stride[i], fn + " stride");
        }
        return new TensorRef(s, toLong(a[1], fn + " offset"), sz, st);
    }

    static long toLong(Object o, String what) {
        if (o instanceof Integer || o instanceof Long || o instanceof Short || o instanceof Byte) {
            return ((Number) o).longValue();
        }
        if (o instanceof BigInteger b && b.bitLength() < 64) {
            return b.longValue();
        }
        throw new PickleException(what + " must be a 64-bit integer, got " + describe(o));
    }

    static String describe(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof String s) {
            return "'" + Errors.printable(s, 60) + "'";
        }
        if (o instanceof Number || o instanceof Boolean || o instanceof StorageType) {
            return o.toString();
        }
        return "a " + o.getClass().getSimpleName();
    }

    private static String describeArgs(Object[] args) {
        List<String> parts = new ArrayList<>();
        for (Object o : args) {
            parts.add(describe(o));
        }
        return "(" + String.join(", ", parts) + ")";
    }

    /** A numpy value tbar never needs: only its class name is kept. */
    record Skipped(String type) {}

    /** An instance of a TorchScript class: its qualified name and the state BUILD gave it (a dict for modules). */
    static final class ScriptObject {
        final String type;
        Object state;

        ScriptObject(String type) {
            this.type = type;
        }
    }

    /** The map an {@code OrderedDict} global builds; a distinct type so BUILD can tell it from other objects. */
    static final class OrderedDictMap extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;
    }
}
