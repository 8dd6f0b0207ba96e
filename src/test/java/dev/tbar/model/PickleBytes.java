package dev.tbar.model;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Hand-assembles pickle opcodes, to build PyTorch-layout files (and hostile ones) without Python. */
final class PickleBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PickleBytes op(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    PickleBytes proto(int p) {
        return op(0x80, p);
    }

    PickleBytes mark() {
        return op('(');
    }

    PickleBytes tuple() {
        return op('t');
    }

    PickleBytes stop() {
        return op('.');
    }

    /** GLOBAL: {@code c<module>\n<name>\n}. */
    PickleBytes global(String module, String name) {
        op('c');
        raw((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    /** BINUNICODE. */
    PickleBytes str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        raw(le(b.length, 4));
        return raw(b);
    }

    /** BININT (signed 32-bit). */
    PickleBytes integer(int v) {
        op('J');
        return raw(le(v, 4));
    }

    /** A tuple of ints. */
    PickleBytes ints(long... v) {
        mark();
        for (long x : v) {
            integer((int) x);
        }
        return tuple();
    }

    /**
     * {@code torch._utils._rebuild_tensor_v2(storage pid, offset, size, stride, False, OrderedDict())}, with the
     * storage persistent id {@code ('storage', torch.<type>, key, 'cpu', numel[, None])}.
     */
    PickleBytes tensor(String type, String key, long numel, boolean legacy, long offset, long[] size, long[] stride) {
        return tensor(type, key, numel, legacy, null, offset, size, stride);
    }

    /** As above; a legacy {@code view} = (offset, numel) adds view metadata {@code (key + "v", offset, numel)}. */
    PickleBytes tensor(String type, String key, long numel, boolean legacy, long[] view, long offset, long[] size,
            long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2");
        mark();
        mark().str("storage").global("torch", type).str(key).str("cpu").integer((int) numel);
        if (view != null) {
            mark().str(key + "v").integer((int) view[0]).integer((int) view[1]).tuple();
        } else if (legacy) {
            op('N');
        }
        tuple().op('Q'); // BINPERSID
        integer((int) offset);
        ints(size);
        ints(stride);
        op(0x89); // NEWFALSE
        global("collections", "OrderedDict").op(')', 'R');
        return tuple().op('R');
    }

    PickleBytes raw(byte[] b) {
        out.write(b, 0, b.length);
        return this;
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    static byte[] le(long v, int width) {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v);
        byte[] r = new byte[width];
        System.arraycopy(b.array(), 0, r, 0, width);
        return r;
    }

    /** The three header pickles of the legacy layout: magic number, protocol 1001, system info. */
    static PickleBytes legacyHeader() {
        PickleBytes p = new PickleBytes();
        byte[] magic = new java.math.BigInteger("1950a86a20f9469cfc6c", 16).toByteArray();
        p.proto(2).op(0x8a, magic.length); // LONG1, little-endian two's complement
        for (int i = magic.length - 1; i >= 0; i--) {
            p.op(magic[i] & 0xff);
        }
        p.stop();
        p.proto(2).op('M').raw(le(1001, 2)).stop();
        p.proto(2).op('}').mark().str("little_endian").op(0x88).op('u').stop();
        return p;
    }
}
