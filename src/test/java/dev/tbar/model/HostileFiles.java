package dev.tbar.model;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Generators of malformed model files for the fuzz suite: byte-level mutations of valid files, structured mutations
 * of a safetensors header, and random pickle programs. Every generator is a pure function of its {@link Random}, so a
 * failing case is reproduced from its seed alone.
 */
final class HostileFiles {
    private HostileFiles() {}

    /** A mutated file and what was done to it (for the failure message). */
    record Mutant(byte[] bytes, String how) {}

    private static final long[] INTERESTING = {0, 1, -1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, Integer.MAX_VALUE,
        Integer.MIN_VALUE, 1L << 32, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE};

    /** One to three byte-level mutations of {@code valid}. */
    static Mutant bytes(byte[] valid, Random r) {
        byte[] b = valid.clone();
        StringBuilder how = new StringBuilder();
        for (int n = 1 + r.nextInt(3); n > 0 && b.length > 0; n--) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(6)) {
                case 0 -> {
                    b[at] ^= (byte) (1 << r.nextInt(8));
                    how.append("flip@").append(at).append(' ');
                }
                case 1 -> {
                    long v = INTERESTING[r.nextInt(INTERESTING.length)];
                    int width = new int[] {1, 2, 4, 8}[r.nextInt(4)];
                    for (int i = 0; i < width && at + i < b.length; i++) {
                        b[at + i] = (byte) (v >>> (8 * i));
                    }
                    how.append("set").append(width).append('@').append(at).append('=').append(v).append(' ');
                }
                case 2 -> {
                    b = Arrays.copyOf(b, at);
                    how.append("truncate@").append(at).append(' ');
                }
                case 3 -> {
                    int len = 1 + r.nextInt(64);
                    byte[] extra = new byte[len];
                    r.nextBytes(extra);
                    b = splice(b, at, 0, extra);
                    how.append("insert").append(len).append('@').append(at).append(' ');
                }
                case 4 -> {
                    int len = Math.min(b.length - at, 1 + r.nextInt(64));
                    b = splice(b, at, len, new byte[0]);
                    how.append("delete").append(len).append('@').append(at).append(' ');
                }
                default -> {
                    int from = r.nextInt(b.length);
                    int len = Math.min(Math.min(b.length - from, b.length - at), 1 + r.nextInt(32));
                    System.arraycopy(b.clone(), from, b, at, len);
                    how.append("copy").append(len).append(' ').append(from).append("->").append(at).append(' ');
                }
            }
        }
        return new Mutant(b, how.toString().strip());
    }

    private static final Pattern NUMBER = Pattern.compile("-?\\d+");
    private static final String[] NUMBERS = {"-1", "0", "1.5", "1e30", "18446744073709551616", "9223372036854775807",
        "4294967296", "-9223372036854775808", "2147483648", "\"7\"", "null", "[]"};
    private static final String[] DTYPES = {"F64", "F16", "BF16", "I64", "I32", "I8", "U8", "BOOL", "F8_E4M3", "f32",
        "", "XX"};

    /**
     * A safetensors file whose JSON header is edited: a number or dtype replaced, a character dropped or a key
     * duplicated; the length prefix is usually updated to the new header, sometimes left stale.
     */
    static Mutant safetensorsHeader(byte[] valid, Random r) {
        int n = (int) le(valid, 0, 8);
        String header = new String(valid, 8, n, StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOfRange(valid, 8 + n, valid.length);
        String how;
        String edited;
        switch (r.nextInt(4)) {
            case 0 -> {
                List<int[]> spans = spans(NUMBER.matcher(header));
                int[] s = spans.get(r.nextInt(spans.size()));
                // huge values first: they are the ones that overflow size arithmetic
                String v = NUMBERS[r.nextInt(r.nextBoolean() ? 8 : NUMBERS.length)];
                edited = header.substring(0, s[0]) + v + header.substring(s[1]);
                how = "number@" + s[0] + "=" + v;
            }
            case 1 -> {
                List<int[]> spans = spans(Pattern.compile("\"(F32|F16|I64)\"").matcher(header));
                int[] s = spans.get(r.nextInt(spans.size()));
                String v = DTYPES[r.nextInt(DTYPES.length)];
                edited = header.substring(0, s[0]) + '"' + v + '"' + header.substring(s[1]);
                how = "dtype@" + s[0] + "=" + v;
            }
            case 2 -> {
                int at = r.nextInt(header.length());
                edited = header.substring(0, at) + header.substring(at + 1);
                how = "drop-char@" + at;
            }
            default -> {
                int open = header.indexOf('{', 1);
                int close = header.indexOf('}', open) + 1;
                edited = "{" + header.substring(header.indexOf('"'), close) + "," + header.substring(1);
                how = "duplicate-first-entry";
            }
        }
        byte[] h = edited.getBytes(StandardCharsets.UTF_8);
        boolean stale = r.nextInt(5) == 0;
        byte[] out = new byte[8 + h.length + data.length];
        System.arraycopy(PickleBytes.le(stale ? n : h.length, 8), 0, out, 0, 8);
        System.arraycopy(h, 0, out, 8, h.length);
        System.arraycopy(data, 0, out, 8 + h.length, data.length);
        return new Mutant(out, how + (stale ? " stale-length" : ""));
    }

    private static List<int[]> spans(Matcher m) {
        List<int[]> out = new ArrayList<>();
        while (m.find()) {
            out.add(new int[] {m.start(), m.end()});
        }
        return out;
    }

    private static final String[][] GLOBALS = {{"collections", "OrderedDict"}, {"torch._utils", "_rebuild_tensor_v2"},
        {"torch", "FloatStorage"}, {"torch", "HalfStorage"}, {"torch", "LongStorage"}, {"builtins", "set"},
        {"os", "system"}, {"numpy.core.multiarray", "_reconstruct"}, {"numpy", "dtype"}, {"__builtin__", "eval"}};

    /** A random pickle program: up to 60 opcodes drawn from what checkpoints use, plus the odd random byte. */
    static Mutant pickle(Random r) {
        PickleBytes p = new PickleBytes().proto(2);
        List<String> ops = new ArrayList<>();
        for (int n = r.nextInt(60); n >= 0; n--) {
            int choice = r.nextInt(30);
            ops.add(Integer.toString(choice));
            switch (choice) {
                case 0 -> p.integer(r.nextInt());
                case 1 -> p.op('K', r.nextInt(256));
                case 2 -> { // LONG1 with up to 9 bytes
                    int len = r.nextInt(10);
                    p.op(0x8a, len);
                    for (int i = 0; i < len; i++) {
                        p.op(r.nextInt(256));
                    }
                }
                case 3 -> p.str(randomText(r));
                case 4 -> p.op('X').raw(PickleBytes.le(INTERESTING[r.nextInt(INTERESTING.length)], 4));
                case 5 -> p.op('N');
                case 6 -> p.op(0x88 + r.nextInt(2));
                case 7 -> p.op(']');
                case 8 -> p.op('}');
                case 9 -> p.op(')');
                case 10 -> p.mark();
                case 11 -> p.op('t');
                case 12 -> p.op('l');
                case 13 -> p.op('d');
                case 14 -> p.op(0x85 + r.nextInt(3));
                case 15 -> p.op('a');
                case 16 -> p.op('e');
                case 17 -> p.op('s');
                case 18 -> p.op('u');
                case 19 -> p.op('q', r.nextInt(8));
                case 20 -> p.op('h', r.nextInt(8));
                case 21 -> p.op('j').raw(PickleBytes.le(r.nextInt(), 4));
                case 22 -> p.op(new int[] {'0', '1', '2'}[r.nextInt(3)]);
                case 23 -> {
                    String[] g = GLOBALS[r.nextInt(GLOBALS.length)];
                    p.global(g[0], g[1]);
                }
                case 24 -> p.op('R');
                case 25 -> p.op('b');
                case 26 -> p.op('Q');
                case 27 -> p.op(0x8f + r.nextInt(3));
                case 28 -> p.op(0x95).raw(PickleBytes.le(INTERESTING[r.nextInt(INTERESTING.length)], 8));
                default -> p.op(r.nextInt(256));
            }
        }
        return new Mutant(p.stop().bytes(), "ops " + String.join(",", ops));
    }

    private static String randomText(Random r) {
        String[] words = {"state_dict", "storage", "cpu", "0", "1", "weight", "", "\u00e9\u4e2d"};
        return words[r.nextInt(words.length)];
    }

    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }

    private static long le(byte[] b, int at, int width) {
        long v = 0;
        for (int i = width - 1; i >= 0; i--) {
            v = (v << 8) | (b[at + i] & 0xff);
        }
        return v;
    }
}
