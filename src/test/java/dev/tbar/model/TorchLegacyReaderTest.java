package dev.tbar.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.tbar.Shared;
import dev.tbar.TbarException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PyTorch file reading: the real legacy CIFAR ResNet files, hand-built legacy and zip files, hostile input. */
class TorchLegacyReaderTest {
    private NDManager m;

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        m.close();
    }

    @Test
    void realLegacyFilesEqualTheirSafetensorsCopiesExactly() {
        for (String name : List.of("resnet20-12fca82f", "resnet56-4bfd9763")) {
            Path th = Shared.require("models/" + name + ".th");
            Path st = Shared.require("models/" + name + ".safetensors");
            try (NDManager sub = m.newSubManager()) {
                LinkedHashMap<String, NDArray> read = TorchLegacyReader.read(th, sub);
                Map<String, NDArray> expected = Safetensors.read(st, sub).tensors();
                assertEquals(expected.size(), read.size(), name);
                for (Map.Entry<String, NDArray> e : read.entrySet()) {
                    assertTrue(e.getKey().startsWith("module."), e.getKey());
                    NDArray want = expected.get(e.getKey().substring("module.".length()));
                    assertEquals(want.getShape(), e.getValue().getShape(), e.getKey());
                    assertEquals(want.getDataType(), e.getValue().getDataType(), e.getKey());
                    assertArrayEquals(want.toByteArray(), e.getValue().toByteArray(), e.getKey());
                }
            }
        }
    }

    @Test
    void checkpointsLoadsTheThFileIntoResNet20() {
        Path th = Shared.require("models/resnet20-12fca82f.th");
        Path st = Shared.require("models/resnet20-12fca82f.safetensors");
        ImageClassifier model = ModelRegistry.create("resnet20", 10);
        try (StateDict a = Checkpoints.load(model, th, m); StateDict b = Checkpoints.load(model, st, m)) {
            assertEquals(List.copyOf(b.names()), List.copyOf(a.names()));
            for (String k : b.names()) {
                assertEquals(b.isBuffer(k), a.isBuffer(k), k);
                assertArrayEquals(b.get(k).toFloatArray(), a.get(k).toFloatArray(), 0f, k);
            }
        }
    }

    private static void checkSynthetic(LinkedHashMap<String, NDArray> t, boolean legacy) {
        List<String> names = legacy ? List.of("a", "t", "o", "s", "h", "n", "v")
                : List.of("a", "t", "o", "s", "h", "n");
        assertEquals(names, List.copyOf(t.keySet()));
        assertEquals(new Shape(2, 3), t.get("a").getShape());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, t.get("a").toFloatArray());
        assertEquals(new Shape(3, 2), t.get("t").getShape());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, t.get("t").toFloatArray());
        assertArrayEquals(new float[] {5, 6, 7}, t.get("o").toFloatArray());
        assertArrayEquals(new float[] {1, 3, 5, 7}, t.get("s").toFloatArray());
        assertEquals(DataType.FLOAT32, t.get("h").getDataType()); // halves are widened
        assertArrayEquals(new float[] {1.5f, -2f}, t.get("h").toFloatArray());
        assertEquals(DataType.INT64, t.get("n").getDataType());
        assertEquals(new Shape(), t.get("n").getShape());
        assertEquals(42L, t.get("n").toLongArray()[0]);
        if (legacy) {
            assertArrayEquals(new float[] {5, 6}, t.get("v").toFloatArray()); // view at 4, tensor offset 1
        }
    }

    @Test
    void handBuiltLegacyFileWithViewsStridesAndDtypes(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("synthetic.pth");
        Files.write(f, TorchFiles.legacyFile(TorchFiles.mainPickle(true)));
        checkSynthetic(TorchLegacyReader.read(f, m), true);
    }

    @Test
    void zipEntriesAreBoundedInTotalNotOnlyEach(@TempDir Path dir) throws IOException {
        Path f = TorchFiles.zipFile(dir.resolve("synthetic.pt"), "");
        int pickle = TorchFiles.mainPickle(false).length;
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(f.toFile())) {
            // room for the pickle and the byte order, not for the storages as well
            var layout = new TorchLegacyReader.ZipLayout(f, z, Files.size(f), pickle + 16);
            TbarException e = assertThrows(TbarException.class, () -> layout.read(m));
            assertTrue(e.getMessage().contains("in all"), e.getMessage());
        }
    }

    @Test
    void handBuiltZipFile(@TempDir Path dir) throws IOException {
        checkSynthetic(TorchLegacyReader.read(TorchFiles.zipFile(dir.resolve("synthetic.pt"), ""), m), false);
        Path noPickle = TorchFiles.zipFile(dir.resolve("a.pt"), "synthetic/data.pkl");
        TbarException e = assertThrows(TbarException.class, () -> TorchLegacyReader.read(noPickle, m));
        assertTrue(e.getMessage().contains("data.pkl"), e.getMessage());
        Path noStorage = TorchFiles.zipFile(dir.resolve("b.pt"), "synthetic/data/1");
        e = assertThrows(TbarException.class, () -> TorchLegacyReader.read(noStorage, m));
        assertTrue(e.getMessage().contains("'synthetic/data/1'") && e.getMessage().contains("missing"),
                e.getMessage());
    }

    private TbarException readFails(Path dir, byte[] content) throws IOException {
        Path f = dir.resolve("bad.th");
        Files.write(f, content);
        return assertThrows(TbarException.class, () -> TorchLegacyReader.read(f, m));
    }

    private static byte[] withMain(byte[] main) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(PickleBytes.legacyHeader().bytes());
        out.write(main);
        return out.toByteArray();
    }

    @Test
    void numpyDataBesideTheStateDictIsSkippedUnbuilt(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("attack_result.pt");
        Files.write(f, TorchFiles.legacyFile(TorchFiles.mainPickle(true, true)));
        checkSynthetic(TorchLegacyReader.read(f, m), true);
    }

    @Test
    void globalsOutsideTheAllowListAreRefusedByName(@TempDir Path dir) throws IOException {
        byte[] osSystem = new PickleBytes().proto(2).global("os", "system").str("echo pwned").op(0x85, 'R').stop()
                .bytes();
        TbarException e = readFails(dir, withMain(osSystem));
        assertTrue(e.getMessage().contains("'os.system'") && e.getMessage().contains("refusing"), e.getMessage());

        // protocol 4 spelling: SHORT_BINUNICODE module, name, STACK_GLOBAL
        PickleBytes p = new PickleBytes().proto(4).op(0x8c, 8).raw("builtins".getBytes()).op(0x8c, 4)
                .raw("eval".getBytes()).op(0x93).str("1").op(0x85, 'R').stop();
        e = readFails(dir, withMain(p.bytes()));
        assertTrue(e.getMessage().contains("'builtins.eval'"), e.getMessage());

        // the header pickles are checked too
        byte[] early = new PickleBytes().proto(2).global("subprocess", "Popen").stop().bytes();
        e = readFails(dir, early);
        assertTrue(e.getMessage().contains("'subprocess.Popen'"), e.getMessage());

        // BUILD (__setstate__) only on an OrderedDict
        byte[] build = new PickleBytes().proto(2).op('}').op('}').op('b').stop().bytes();
        e = readFails(dir, withMain(build));
        assertTrue(e.getMessage().contains("BUILD"), e.getMessage());
    }

    @Test
    void truncatedAndCorruptFilesAreClearErrors(@TempDir Path dir) throws IOException {
        byte[] full = Files.readAllBytes(Shared.require("models/resnet20-12fca82f.th"));
        TbarException e = readFails(dir, Arrays.copyOf(full, full.length - 100));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("storage"), e.getMessage());
        e = readFails(dir, Arrays.copyOf(full, 200)); // inside the main pickle, before any storage
        assertTrue(e.getMessage().contains("truncated main pickle"), e.getMessage());
        e = readFails(dir, Arrays.copyOf(full, 5000)); // storages declared larger than what is left
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("storage"), e.getMessage());
        byte[] extra = Arrays.copyOf(full, full.length + 3);
        e = readFails(dir, extra);
        assertTrue(e.getMessage().contains("3 unexpected bytes"), e.getMessage());
        e = readFails(dir, "not a checkpoint".getBytes());
        assertTrue(e.getMessage().contains("not a PyTorch file"), e.getMessage());
        e = readFails(dir, new byte[0]);
        assertTrue(e.getMessage().contains("empty file"), e.getMessage());
    }

    @Test
    void unhashableKeysAndHugeNumbersAreRefusedQuickly(@TempDir Path dir) throws IOException {
        // 40 levels of l[i] = [l[i-1], l[i-1]] used as a dict key: Java would hash 2^40 nodes
        PickleBytes shared = new PickleBytes().proto(2).op('}').op(']').op('q', 0).op('0'); // POP: memo only
        for (int i = 1; i <= 40; i++) {
            shared.mark().op('h', i - 1).op('h', i - 1).op('l').op('q', i);
            if (i < 40) {
                shared.op('0');
            }
        }
        byte[] exponential = shared.integer(1).op('s').stop().bytes();
        // a list that contains itself, as a key: Java would overflow the stack hashing it
        byte[] selfish = new PickleBytes().proto(2).op('}').op(']').op('q', 0).op('h', 0).op('a').integer(1).op('s')
                .stop().bytes();
        // the same as a set member
        byte[] set = new PickleBytes().proto(4).op(0x8f).mark().op(']').op(0x90).stop().bytes();
        // a LONG of a million digits: quadratic to parse, and a 1 MB error line
        byte[] longText = new PickleBytes().proto(2).op('L').raw(("1".repeat(1_000_000) + "L\n").getBytes()).stop()
                .bytes();
        for (byte[] bad : List.of(exponential, selfish, set, longText)) {
            TbarException e = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                    java.time.Duration.ofSeconds(5), () -> readFails(dir, withMain(bad)));
            assertTrue(e.getMessage().contains("unhashable") || e.getMessage().contains("more than 1000"),
                    e.getMessage());
            assertTrue(e.getMessage().length() < 500, "one short line");
        }
    }

    @Test
    void sizesAreBoundedByTheFile(@TempDir Path dir) throws IOException {
        // a string claiming 2^40 bytes must fail before any allocation
        byte[] hugeString = new PickleBytes().proto(4).op(0x8d).raw(PickleBytes.le(1L << 40, 8)).op('a').stop()
                .bytes();
        TbarException e = readFails(dir, withMain(hugeString));
        assertTrue(e.getMessage().contains("runs past the end"), e.getMessage());
        // a storage declaring more elements than the file could hold
        byte[] hugeStorage = new PickleBytes().proto(2).op('}').str("w")
                .tensor("FloatStorage", "0", 1 << 30, true, 0, new long[] {4}, new long[] {1}).op('s').stop().bytes();
        e = readFails(dir, withMain(hugeStorage));
        assertTrue(e.getMessage().contains("'0'") && e.getMessage().contains("1073741824"), e.getMessage());
        // a tensor reaching past its storage: 3 floats from offset 6 of 8
        Path ok = dir.resolve("ok.pth");
        Files.write(ok, TorchFiles.legacyFile(offsetPickle(6)));
        e = assertThrows(TbarException.class, () -> TorchLegacyReader.read(ok, m));
        assertTrue(e.getMessage().contains("'o'") && e.getMessage().contains("past the end"), e.getMessage());
    }

    /** A state dict whose one tensor reads 3 floats from {@code offset} of the 8-float storage. */
    private static byte[] offsetPickle(int offset) {
        PickleBytes p = new PickleBytes().proto(2).op('}').mark();
        p.str("o").tensor("FloatStorage", "0", 8, true, offset, new long[] {3}, new long[] {1});
        p.str("h").tensor("HalfStorage", "1", 2, true, 0, new long[] {2}, new long[] {1});
        p.str("n").tensor("LongStorage", "2", 1, true, 0, new long[] {}, new long[] {});
        return p.op('u').stop().bytes();
    }
}
