package dev.tbar.model;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Small PyTorch files in both layouts, built without Python: what the reader tests and the fuzz suite start from. */
final class TorchFiles {
    private TorchFiles() {}

    /** Storage 0: floats 0..7; storage 1: halves 1.5, -2; storage 2: the int64 42. */
    static byte[][] storages() {
        ByteBuffer f = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 8; i++) {
            f.putFloat(i);
        }
        byte[] h = {0x00, 0x3e, 0x00, (byte) 0xc0};
        return new byte[][] {f.array(), h, PickleBytes.le(42, 8)};
    }

    /** {'epoch': 3, 'state_dict': OrderedDict(...)}: contiguous, transposed, offset, strided, half, scalar. */
    static byte[] mainPickle(boolean legacy) {
        return mainPickle(legacy, false);
    }

    /** With {@code numpy}, also a {@code 'bd_data'} entry holding a pickled numpy array, as BackdoorBench saves. */
    static byte[] mainPickle(boolean legacy, boolean numpy) {
        PickleBytes p = new PickleBytes().proto(2).op('}').mark().str("epoch").integer(3);
        if (numpy) { // numpy.core.multiarray._reconstruct(ndarray, (0,), b'b'), then its state with a dtype
            p.str("bd_data").global("numpy.core.multiarray", "_reconstruct").mark().global("numpy", "ndarray")
                    .ints(0).str("b").tuple().op('R');
            p.mark().integer(1).ints(2).global("numpy", "dtype").mark().str("f4").integer(0).integer(1).tuple()
                    .op('R');
            p.mark().integer(3).str("<").op('N', 'N', 'N').integer(-1).integer(-1).integer(0).tuple().op('b');
            p.op(0x89).str("12345678").tuple().op('b');
        }
        p.str("state_dict");
        p.global("collections", "OrderedDict").op(')', 'R').mark();
        p.str("a").tensor("FloatStorage", "0", 8, legacy, 0, new long[] {2, 3}, new long[] {3, 1});
        p.str("t").tensor("FloatStorage", "0", 8, legacy, 0, new long[] {3, 2}, new long[] {1, 3});
        p.str("o").tensor("FloatStorage", "0", 8, legacy, 5, new long[] {3}, new long[] {1});
        p.str("s").tensor("FloatStorage", "0", 8, legacy, 1, new long[] {2, 2}, new long[] {4, 2});
        p.str("h").tensor("HalfStorage", "1", 2, legacy, 0, new long[] {2}, new long[] {1});
        p.str("n").tensor("LongStorage", "2", 1, legacy, 0, new long[] {}, new long[] {});
        if (legacy) {
            p.str("v").tensor("FloatStorage", "0", 8, true, new long[] {4, 4}, 1, new long[] {2}, new long[] {1});
        }
        return p.op('u', 'u').stop().bytes();
    }

    static byte[] legacyFile(byte[] main) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(PickleBytes.legacyHeader().bytes());
        out.write(main);
        out.write(new PickleBytes().proto(2).mark().str("0").str("1").str("2").op('l').stop().bytes());
        byte[][] s = storages();
        int[] width = {4, 2, 8};
        for (int i = 0; i < s.length; i++) {
            out.write(PickleBytes.le(s[i].length / width[i], 8));
            out.write(s[i]);
        }
        return out.toByteArray();
    }

    /** A zip-layout file; {@code skip} names an entry to leave out. */
    static Path zipFile(Path f, String skip) throws IOException {
        return zipFile(f, mainPickle(false), skip);
    }

    /** A zip-layout file with {@code main} as its data.pkl. */
    static Path zipFile(Path f, byte[] main, String skip) throws IOException {
        try (OutputStream os = Files.newOutputStream(f); ZipOutputStream zip = new ZipOutputStream(os)) {
            Map<String, byte[]> entries = new LinkedHashMap<>();
            entries.put("synthetic/data.pkl", main);
            entries.put("synthetic/byteorder", "little".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            byte[][] s = storages();
            for (int i = 0; i < s.length; i++) {
                entries.put("synthetic/data/" + i, s[i]);
            }
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                if (!e.getKey().equals(skip)) {
                    zip.putNextEntry(new ZipEntry(e.getKey()));
                    zip.write(e.getValue());
                }
            }
        }
        return f;
    }
}
