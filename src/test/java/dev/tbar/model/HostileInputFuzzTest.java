package dev.tbar.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.tbar.TbarException;
import dev.tbar.model.HostileFiles.Mutant;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed safetensors, legacy pickles and zip archives, generated from a seed: every case either loads or fails
 * with one short {@link TbarException} line naming the file, within a time bound and an allocation bound. Anything
 * else (another exception type, a multi-line or nameless message, a hang, a large allocation) is listed with the seed
 * that reproduces it. {@code -Dtbar.fuzz.cases=N -Dtbar.fuzz.seed=S} runs a longer or different campaign.
 */
class HostileInputFuzzTest {
    private static final int CASES = Integer.getInteger("tbar.fuzz.cases", 400);
    private static final long SEED = Long.getLong("tbar.fuzz.seed", 20261201L);
    private static final long LIMIT_MS = 5_000;
    /** Far above what reading these few-kilobyte (model: 300 kB) files needs; far below "unbounded". */
    private static final long MAX_ALLOCATED = 64L << 20;
    private static final int MAX_MESSAGE = 600;

    private static ExecutorService worker;

    @BeforeAll
    static void start() {
        worker = newWorker();
    }

    @AfterAll
    static void stop() {
        worker.shutdownNow();
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-reader");
            t.setDaemon(true); // a reader that hangs must not keep the test JVM alive
            return t;
        });
    }

    interface Reader {
        void read(Path file, NDManager manager);
    }

    private record Outcome(Throwable thrown, long allocated) {}

    /** Runs {@code CASES} generated files through {@code reader}; fails listing every case that misbehaved. */
    private static void fuzz(String campaign, Path dir, String fileName, Function<Random, Mutant> generate,
            Reader reader) throws IOException, InterruptedException {
        List<String> problems = new ArrayList<>();
        int refused = 0;
        for (int i = 0; i < CASES; i++) {
            long seed = SEED * 1_000_003L + campaign.hashCode() * 7919L + i;
            Mutant mutant = generate.apply(new Random(seed));
            Path file = Files.write(dir.resolve(fileName), mutant.bytes());
            String problem;
            try {
                Outcome o = run(file, reader);
                refused += o.thrown() instanceof TbarException ? 1 : 0;
                problem = judge(o, fileName);
            } catch (TimeoutException e) {
                worker.shutdownNow();
                worker = newWorker();
                problem = "no answer within " + LIMIT_MS + " ms";
            }
            if (problem != null) {
                problems.add(campaign + " seed " + seed + " (" + mutant.how() + "): " + problem);
            }
        }
        assertTrue(problems.isEmpty(), problems.size() + " of " + CASES + " cases misbehaved:\n"
                + String.join("\n", problems.subList(0, Math.min(20, problems.size()))));
        // the generator must really produce hostile input, or the campaign proves nothing
        assertTrue(refused >= CASES / 5, campaign + ": only " + refused + " of " + CASES + " cases were refused");
    }

    private static Outcome run(Path file, Reader reader) throws InterruptedException, TimeoutException {
        Future<Outcome> f = worker.submit(() -> {
            var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = mx.getCurrentThreadAllocatedBytes();
            Throwable thrown = null;
            try (NDManager m = NDManager.newBaseManager()) {
                reader.read(file, m);
            } catch (Throwable t) { // judged below: anything but TbarException is a finding
                thrown = t;
            }
            return new Outcome(thrown, mx.getCurrentThreadAllocatedBytes() - before);
        });
        try {
            return f.get(LIMIT_MS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Null when the outcome is acceptable, else what was wrong. */
    private static String judge(Outcome o, String fileName) {
        if (o.allocated() > MAX_ALLOCATED) {
            return "allocated " + (o.allocated() >> 20) + " MiB";
        }
        Throwable t = o.thrown();
        if (t == null) {
            return null;
        }
        if (!(t instanceof TbarException)) {
            StackTraceElement[] at = t.getStackTrace();
            return t + (at.length > 0 ? " at " + at[0] : "");
        }
        String m = String.valueOf(t.getMessage());
        if (m.contains("\n") || m.length() > MAX_MESSAGE) {
            return "message is not one short line: " + m.substring(0, Math.min(m.length(), 200));
        }
        return m.contains(fileName) ? null : "message does not name the file: " + m;
    }

    /** F32 matrix, F16 vector, I64 scalar, as a checkpoint might hold. */
    private static byte[] smallSafetensors(Path dir) throws IOException {
        Path f = dir.resolve("valid.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = new LinkedHashMap<>();
            t.put("conv.weight", m.arange(6f).reshape(new Shape(2, 3)));
            t.put("bn.running_var", m.create(new float[] {1.5f, 2f, 0.5f, 1f}).toType(DataType.FLOAT16, false));
            t.put("bn.num_batches_tracked", m.create(42L));
            Safetensors.write(f, t, Map.of("format", "pt"));
        }
        return Files.readAllBytes(f);
    }

    @Test
    void safetensorsFiles(@TempDir Path dir) throws Exception {
        byte[] valid = smallSafetensors(dir);
        fuzz("safetensors-bytes", dir, "bytes.safetensors", r -> HostileFiles.bytes(valid, r),
                (f, m) -> Safetensors.read(f, m));
        fuzz("safetensors-header", dir, "header.safetensors", r -> HostileFiles.safetensorsHeader(valid, r),
                (f, m) -> Safetensors.read(f, m));
    }

    @Test
    void modelWeightsLoadedIntoAModel(@TempDir Path dir) throws Exception {
        ImageClassifier model = ModelRegistry.create("resnet8", 10);
        Path validFile = dir.resolve("resnet8.safetensors");
        try (NDManager m = NDManager.newBaseManager(); StateDict w = model.initialize(m, 0)) {
            Safetensors.write(validFile, w.asMap(), Map.of());
        }
        byte[] valid = Files.readAllBytes(validFile);
        // half the cases edit the header (names, dtypes, shapes), half the bytes anywhere (mostly weights)
        fuzz("model", dir, "model.safetensors",
                r -> r.nextBoolean() ? HostileFiles.safetensorsHeader(valid, r) : HostileFiles.bytes(valid, r),
                (f, m) -> Checkpoints.load(model, f, m).close());
    }

    @Test
    void legacyAndZipPyTorchFiles(@TempDir Path dir) throws Exception {
        byte[] legacy = TorchFiles.legacyFile(TorchFiles.mainPickle(true));
        fuzz("legacy-bytes", dir, "bytes.th", r -> HostileFiles.bytes(legacy, r), TorchLegacyReader::read);
        byte[] zip = Files.readAllBytes(TorchFiles.zipFile(dir.resolve("valid.pt"), ""));
        fuzz("zip-bytes", dir, "bytes.pt", r -> HostileFiles.bytes(zip, r), TorchLegacyReader::read);
    }

    @Test
    void randomPicklePrograms(@TempDir Path dir) throws Exception {
        fuzz("pickle-legacy", dir, "program.th", r -> {
            Mutant p = HostileFiles.pickle(r);
            return new Mutant(concat(PickleBytes.legacyHeader().bytes(), p.bytes()), p.how());
        }, TorchLegacyReader::read);
        Path zip = dir.resolve("zipped.pt");
        fuzz("pickle-zip", dir, "program.pt", r -> {
            Mutant p = HostileFiles.pickle(r);
            try {
                return new Mutant(Files.readAllBytes(TorchFiles.zipFile(zip, p.bytes(), "")), p.how());
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, TorchLegacyReader::read);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }
}
