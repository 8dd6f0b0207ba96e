package dev.tbar.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.tbar.TbarException;
import dev.tbar.model.TorchUnpickler.StorageRef;
import dev.tbar.model.TorchUnpickler.StorageType;
import dev.tbar.model.TorchUnpickler.TensorRef;
import dev.tbar.util.NDArrays;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/** Turns a PyTorch strided view of storage bytes into a contiguous DJL array, checking every index first. */
final class TorchTensors {
    static final long MAX_TENSOR_BYTES = Integer.MAX_VALUE - 16;

    private TorchTensors() {}

    /** Copies the strided view {@code t} out of its storage into a new contiguous array. */
    static NDArray copy(Path file, String name, TensorRef t, ByteBuffer root, NDManager manager) {
        StorageRef s = t.storage();
        int w = s.type().width;
        long numel = 1;
        long last = t.offset(); // highest element index the view touches, relative to s
        try {
            for (int i = 0; i < t.size().length; i++) {
                if (t.size()[i] < 0 || t.stride()[i] < 0) {
                    throw new ArithmeticException("negative size or stride");
                }
                numel = Math.multiplyExact(numel, t.size()[i]);
                last = Math.addExact(last, Math.multiplyExact(Math.max(0, t.size()[i] - 1), t.stride()[i]));
            }
            if (Math.multiplyExact(numel, w) > MAX_TENSOR_BYTES) {
                throw new TbarException(file + ": tensor '" + name + "' is larger than 2 GiB");
            }
        } catch (ArithmeticException e) {
            throw new TbarException(file + ": tensor '" + name + "' has invalid size " + show(t.size())
                    + " or stride " + show(t.stride()));
        }
        if (t.offset() < 0 || (numel > 0 && last >= s.numel())) {
            throw new TbarException(file + ": tensor '" + name + "' (offset " + t.offset() + ", size "
                    + show(t.size()) + ", stride " + show(t.stride()) + ") reaches past the end of its storage of "
                    + s.numel() + " elements");
        }
        ByteBuffer out = ByteBuffer.allocateDirect((int) numel * w).order(ByteOrder.LITTLE_ENDIAN);
        long base = s.offset() + t.offset();
        if (numel > 0) {
            gather(root, base, t.size(), t.stride(), w, out);
        }
        out.flip();
        Shape shape = new Shape(t.size());
        switch (s.type()) {
            case HalfStorage:
            case BFloat16Storage:
                return NDArrays.owned(manager.create(widen(out, s.type() == StorageType.BFloat16Storage), shape,
                        DataType.FLOAT32));
            default:
                return NDArrays.owned(manager.create(out, shape, dataType(s.type())));
        }
    }

    private static String show(long[] v) {
        return java.util.Arrays.toString(v);
    }

    /** Row-major walk over a strided view; contiguous runs along the last axis are copied in one go. */
    private static void gather(ByteBuffer root, long base, long[] size, long[] stride, int w, ByteBuffer out) {
        int nd = size.length;
        boolean contiguous = true;
        long expect = 1;
        for (int i = nd - 1; i >= 0; i--) {
            if (size[i] != 1 && stride[i] != expect) {
                contiguous = false;
            }
            expect *= size[i];
        }
        if (contiguous || nd == 0) {
            out.put(root.slice((int) (base * w), (int) (out.capacity())));
            return;
        }
        long inner = size[nd - 1];
        boolean innerDense = stride[nd - 1] == 1;
        long[] idx = new long[nd];
        long pos = base;
        while (true) {
            if (innerDense) {
                out.put(root.slice((int) (pos * w), (int) (inner * w)));
            } else {
                for (long j = 0; j < inner; j++) {
                    out.put(root.slice((int) ((pos + j * stride[nd - 1]) * w), w));
                }
            }
            int d = nd - 2;
            while (d >= 0) {
                idx[d]++;
                pos += stride[d];
                if (idx[d] < size[d]) {
                    break;
                }
                pos -= idx[d] * stride[d];
                idx[d] = 0;
                d--;
            }
            if (d < 0) {
                return;
            }
        }
    }

    private static ByteBuffer widen(ByteBuffer half, boolean bf16) {
        int count = half.remaining() / 2;
        ByteBuffer out = ByteBuffer.allocateDirect(count * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            short bits = half.getShort();
            out.putFloat(bf16 ? Float.intBitsToFloat((bits & 0xffff) << 16) : Safetensors.halfToFloat(bits));
        }
        return out.flip();
    }

    private static DataType dataType(StorageType t) {
        switch (t) {
            case FloatStorage: return DataType.FLOAT32;
            case DoubleStorage: return DataType.FLOAT64;
            case LongStorage: return DataType.INT64;
            case IntStorage: return DataType.INT32;
            case ShortStorage: return DataType.INT16;
            case CharStorage: return DataType.INT8;
            case ByteStorage: return DataType.UINT8;
            case BoolStorage: return DataType.BOOLEAN;
            default: throw new IllegalStateException(t.name());
        }
    }
}
