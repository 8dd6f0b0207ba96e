package dev.tbar.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tbar.TbarException;
import dev.tbar.util.AtomicFiles;
import dev.tbar.util.Errors;
import dev.tbar.util.NDArrays;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reader and writer for the safetensors format: an 8-byte little-endian header length, a JSON header mapping names
 * to dtype, shape and byte offsets, then the raw little-endian data. Files are untrusted: every size and offset is
 * checked against the file before any allocation, and the data section must be covered exactly, without holes or
 * overlaps. F16 and BF16 tensors are widened to F32 on read (BF16 arrays abort the PyTorch engine).
 */
public final class Safetensors {
    /** Headers beyond this are rejected: real ones are a few hundred kilobytes at most. */
    static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    /** Duplicate keys are an error, not "the last one wins". */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private Safetensors() {}

    /** The tensors of a safetensors file together with its optional string metadata. */
    public record Contents(LinkedHashMap<String, NDArray> tensors, Map<String, String> metadata) {}

    private record Entry(String name, String dtype, long[] shape, long begin, long end) {}

    /** Reads every tensor of {@code file}; arrays are created on {@code manager}, in file order. */
    public static Contents read(Path file, NDManager manager) {
        if (!Files.isRegularFile(file)) {
            throw new TbarException(file + ": safetensors file not found");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileSize = ch.size();
            if (fileSize < 8) {
                throw corrupt(file, "file is " + fileSize + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || headerLen > fileSize - 8) {
                throw corrupt(file, "header length " + headerLen + " is outside 1.." + Math.min(MAX_HEADER_BYTES,
                        fileSize - 8));
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headerBuf, 8);
            JsonNode header;
            try {
                header = JSON.readTree(StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                        .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                        .decode(headerBuf.flip()).toString());
            } catch (java.nio.charset.CharacterCodingException e) {
                throw corrupt(file, "header is not valid UTF-8");
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw corrupt(file, "header is not valid JSON (" + e.getOriginalMessage() + ")");
            }
            if (header == null || !header.isObject()) {
                throw corrupt(file, "header is not a JSON object");
            }
            long dataStart = 8 + headerLen;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = parseEntries(file, header, metadata);
            checkCoverage(file, entries, fileSize - dataStart);
            LinkedHashMap<String, NDArray> out = new LinkedHashMap<>();
            for (Entry e : entries) {
                out.put(e.name, load(ch, dataStart, e, manager));
            }
            return new Contents(out, metadata);
        } catch (IOException e) {
            throw new TbarException(file + ": cannot read safetensors file: " + Errors.reason(e), e);
        }
    }

    private static List<Entry> parseEntries(Path file, JsonNode header, Map<String, String> metadata) {
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (name.equals("__metadata__")) {
                if (!v.isObject()) {
                    throw corrupt(file, "__metadata__ must be an object of strings");
                }
                v.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            JsonNode dtype = v.get("dtype");
            JsonNode shape = v.get("shape");
            JsonNode offsets = v.get("data_offsets");
            if (dtype == null || !dtype.isTextual() || shape == null || !shape.isArray() || offsets == null
                    || !offsets.isArray() || offsets.size() != 2) {
                throw corrupt(file, "tensor '" + name + "' needs dtype, shape and two data_offsets");
            }
            long[] dims = new long[shape.size()];
            long bytes = byteWidth(file, name, dtype.asText());
            try {
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = wholeNumber(shape.get(i));
                    if (dims[i] < 0) {
                        throw corrupt(file, "tensor '" + name + "' has an invalid dimension " + shape.get(i)
                                + " (expected a whole number >= 0)");
                    }
                    bytes = Math.multiplyExact(bytes, dims[i]);
                }
            } catch (ArithmeticException e) {
                throw corrupt(file, "tensor '" + name + "' has shape " + shape + ", whose size overflows");
            }
            long begin = wholeNumber(offsets.get(0));
            long end = wholeNumber(offsets.get(1));
            if (begin < 0 || end < begin || end - begin != bytes) {
                throw corrupt(file, "tensor '" + name + "' offsets [" + begin + ", " + end + "] do not match "
                        + dtype.asText() + " shape " + shape);
            }
            entries.add(new Entry(name, dtype.asText(), dims, begin, end));
        }
        return entries;
    }

    /** {@code n} as a long if it is a whole JSON number that fits, else -1. */
    private static long wholeNumber(JsonNode n) {
        return n.isIntegralNumber() && n.canConvertToLong() ? n.asLong() : -1;
    }

    /** The data section must be indexed entirely, without holes or overlaps. */
    private static void checkCoverage(Path file, List<Entry> entries, long dataBytes) {
        TreeMap<Long, Entry> byBegin = new TreeMap<>();
        for (Entry e : entries) {
            if (e.end > e.begin) {
                Entry other = byBegin.put(e.begin, e);
                if (other != null) {
                    throw corrupt(file, "tensors '" + other.name + "' and '" + e.name + "' share their bytes from "
                            + e.begin + " (overlap in the data section)");
                }
            }
        }
        long expected = 0;
        for (Entry e : byBegin.values()) {
            if (e.begin != expected) {
                throw corrupt(file, "tensor '" + e.name + "' starts at byte " + e.begin + ", expected " + expected
                        + " (hole or overlap in the data section)");
            }
            expected = e.end;
        }
        if (expected != dataBytes) {
            throw corrupt(file, "data section is " + dataBytes + " bytes but the header describes " + expected);
        }
    }

    private static NDArray load(FileChannel ch, long dataStart, Entry e, NDManager manager) throws IOException {
        long n = e.end - e.begin;
        if (n > Integer.MAX_VALUE - 16) {
            throw new TbarException("tensor '" + e.name + "' is larger than 2 GiB, which tbar does not support");
        }
        ByteBuffer buf = ByteBuffer.allocateDirect((int) n).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, buf, dataStart + e.begin);
        buf.flip();
        Shape shape = new Shape(e.shape);
        boolean half = e.dtype.equals("F16") || e.dtype.equals("BF16");
        ByteBuffer data = half ? widenToF32(buf, e.dtype.equals("BF16")) : buf;
        return NDArrays.owned(manager.create(data, shape, half ? DataType.FLOAT32 : dataType(e.dtype)));
    }

    private static ByteBuffer widenToF32(ByteBuffer half, boolean bf16) {
        int count = half.remaining() / 2;
        ByteBuffer out = ByteBuffer.allocateDirect(count * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            short bits = half.getShort();
            out.putFloat(bf16 ? Float.intBitsToFloat((bits & 0xffff) << 16) : halfToFloat(bits));
        }
        return out.flip();
    }

    /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    private static int byteWidth(Path file, String name, String dtype) {
        switch (dtype) {
            case "F64":
            case "I64":
                return 8;
            case "F32":
            case "I32":
                return 4;
            case "F16":
            case "BF16":
            case "I16":
                return 2;
            case "U8":
            case "I8":
            case "BOOL":
                return 1;
            default:
                throw corrupt(file, "tensor '" + name + "' has unsupported dtype " + dtype);
        }
    }

    private static DataType dataType(String dtype) {
        switch (dtype) {
            case "F64": return DataType.FLOAT64;
            case "F32": return DataType.FLOAT32;
            case "I64": return DataType.INT64;
            case "I32": return DataType.INT32;
            case "I16": return DataType.INT16;
            case "I8": return DataType.INT8;
            case "U8": return DataType.UINT8;
            case "BOOL": return DataType.BOOLEAN;
            default: throw new IllegalStateException(dtype);
        }
    }

    private static String dtypeName(DataType t) {
        switch (t) {
            case FLOAT64: return "F64";
            case FLOAT32: return "F32";
            case FLOAT16: return "F16";
            case INT64: return "I64";
            case INT32: return "I32";
            case INT16: return "I16";
            case INT8: return "I8";
            case UINT8: return "U8";
            case BOOLEAN: return "BOOL";
            default: throw new IllegalArgumentException("cannot write " + t + " to safetensors");
        }
    }

    /**
     * Writes {@code tensors} atomically (temporary file, then rename), in the given order; metadata keys are sorted,
     * so that identical runs write identical bytes whatever map the caller used.
     */
    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode md = header.putObject("__metadata__");
            new java.util.TreeMap<>(metadata).forEach(md::put);
        }
        List<byte[]> blobs = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, NDArray> t : tensors.entrySet()) {
            NDArray a = t.getValue();
            byte[] bytes = a.toByteArray(); // DJL returns native (little-endian) order
            ObjectNode e = header.putObject(t.getKey());
            e.put("dtype", dtypeName(a.getDataType()));
            var shape = e.putArray("shape");
            for (long d : a.getShape().getShape()) {
                shape.add(d);
            }
            e.putArray("data_offsets").add(offset).add(offset + bytes.length);
            offset += bytes.length;
            blobs.add(bytes);
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8; // keeps the data section 8-byte aligned
        byte[] padded = new byte[json.length + pad];
        System.arraycopy(json, 0, padded, 0, json.length);
        java.util.Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        AtomicFiles.write(file, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded.length);
            out.write(len.array());
            out.write(padded);
            for (byte[] b : blobs) {
                out.write(b);
            }
        });
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }

    private static TbarException corrupt(Path file, String what) {
        return new TbarException(file + ": not a valid safetensors file: " + what);
    }
}
