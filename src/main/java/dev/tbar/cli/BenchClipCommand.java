package dev.tbar.cli;

import dev.tbar.model.ModuleGradients;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.tbar.TbarException;
import dev.tbar.model.StateDict;
import dev.tbar.model.clip.ClipClassifier;
import dev.tbar.model.clip.ClipConfig;
import dev.tbar.report.Json;
import dev.tbar.report.Versions;
import dev.tbar.util.Devices;
import dev.tbar.util.NDArrays;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Throughput of CLIP ViT-B/32's image tower (as the classifier tbar trains: tower + zero-shot head) on this
 * machine: forward without gradients and forward + backward, per batch size, and the peak memory reached. Random
 * weights: speed does not depend on their values.
 */
@Command(name = "bench-clip", mixinStandardHelpOptions = true,
        description = "Measure CLIP ViT-B/32 image-tower throughput (forward, forward+backward) and peak memory.")
class BenchClipCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--batches", split = ",", defaultValue = "8,32", description = "Batch sizes (default 8,32).")
    List<Integer> batches;

    @Option(names = "--steps", defaultValue = "3", description = "Timed steps per measurement (default 3).")
    int steps;

    @Option(names = "--warmup", defaultValue = "1", description = "Untimed steps first (default 1).")
    int warmup;

    @Option(names = "--out", description = "Write the results as JSON to this file.")
    Path out;

    /**
     * The logits of a fixed batch (seeded weights and pixels), summarised: equal on every device up to floating-point
     * order, so scripts/gpu-smoke compares a GPU run with a CPU one.
     */
    record Check(int batch, double logitMean, double logitL2, double logitMaxAbs) {}

    /** One measurement: seconds per step over the timed steps, and images per second. */
    record Row(String mode, int batch, int steps, double secondsPerStep, double imagesPerSecond) {}

    @Override
    public void run() {
        if (steps < 1 || warmup < 0 || batches.isEmpty() || batches.stream().anyMatch(b -> b < 1)) {
            throw new TbarException("bench-clip: --steps must be >= 1, --warmup >= 0 and --batches positive");
        }
        var o = spec.commandLine().getOut();
        ClipConfig cfg = ClipConfig.VIT_B_32;
        ClipClassifier clf = new ClipClassifier(cfg, 10);
        List<Row> rows = new ArrayList<>();
        long params;
        Check check;
        try (NDManager m = Devices.newManager(); StateDict w = clf.initialize(m, 1)) {
            params = w.parameterCount();
            check = check(clf, w);
            o.printf("logits of a fixed batch of %d: mean %.6f, L2 %.6f, max |x| %.6f (for comparing devices)%n",
                    check.batch(), check.logitMean(), check.logitL2(), check.logitMaxAbs());
            o.printf("CLIP ViT-B/32 image tower, %.1fM parameters, %dx%d input, %d threads%n", params / 1e6,
                    cfg.imageSize(), cfg.imageSize(), Runtime.getRuntime().availableProcessors());
            o.flush();
            for (int b : batches) {
                rows.add(measure(clf, w, b, false));
                rows.add(measure(clf, w, b, true));
            }
        }
        Map<String, Object> memory = memory();
        o.printf("%-18s %6s %12s %10s%n", "mode", "batch", "s/step", "images/s");
        for (Row r : rows) {
            o.printf("%-18s %6d %12.3f %10.1f%n", r.mode(), r.batch(), r.secondsPerStep(), r.imagesPerSecond());
        }
        o.printf("peak JVM heap (sum of pool peaks) %.0f MiB, process RSS high-water mark (VmHWM) %s%n",
                ((Number) memory.get(HEAP_PEAK)).doubleValue() / (1 << 20),
                memory.get(RSS_PEAK) == null ? "unavailable" : memory.get(RSS_PEAK) + " KiB");
        o.flush();
        if (out != null) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("model", cfg.label());
            json.put("parameters", params);
            json.put("threads", Runtime.getRuntime().availableProcessors());
            json.put("versions", Versions.detect());
            json.put("steps", steps);
            json.put("warmup", warmup);
            json.put("results", rows);
            json.put("check", check);
            json.put("memory", memory);
            Json.write(out, json);
            o.println("wrote " + out);
        }
    }

    private Row measure(ClipClassifier clf, StateDict w, int batch, boolean backward) {
        for (String k : w.parameterNames()) {
            w.get(k).setRequiresGradient(backward);
        }
        long total = 0;
        for (int it = 0; it < warmup + steps; it++) {
            try (NDManager step = w.manager().newSubManager()) {
                NDArray px = pixels(step, batch, clf.inputShape()[1], it);
                long t0 = System.nanoTime();
                if (backward) {
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        ModuleGradients.backward(gc, clf.forward(w, px, true).logSoftmax(1).get(":, 0").sum().neg());
                    }
                } else {
                    clf.forward(w, px, false).toFloatArray(); // reading the result waits for the work
                }
                if (it >= warmup) {
                    total += System.nanoTime() - t0;
                }
            }
        }
        double perStep = total / 1e9 / steps;
        return new Row(backward ? "forward+backward" : "forward", batch, steps, perStep, batch / perStep);
    }

    private static Check check(ClipClassifier clf, StateDict w) {
        int n = 4;
        try (NDManager step = w.manager().newSubManager()) {
            float[] logits = clf.forward(w, pixels(step, n, clf.inputShape()[1], 1234), false).toFloatArray();
            double sum = 0;
            double sq = 0;
            double max = 0;
            for (float v : logits) {
                sum += v;
                sq += (double) v * v;
                max = Math.max(max, Math.abs(v));
            }
            return new Check(n, sum / logits.length, Math.sqrt(sq), max);
        }
    }

    private static NDArray pixels(NDManager m, int n, int size, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[n * 3 * size * size];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextDouble();
        }
        return NDArrays.owned(m.create(v, new Shape(n, 3, size, size)));
    }

    /**
     * Peak JVM heap as the sum of each heap pool's peak (an upper bound: pools peak at different times), and the
     * kernel's resident-set high-water mark, which also counts native tensor memory (Linux only).
     */
    private static final String HEAP_PEAK = "jvmHeapPeakBytes";
    private static final String RSS_PEAK = "vmHwmKib";

    private static Map<String, Object> memory() {
        long heap = 0;
        for (var pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP) {
                heap += pool.getPeakUsage().getUsed();
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(HEAP_PEAK, heap);
        m.put(RSS_PEAK, statusField("VmHWM"));
        m.put("vmRssKib", statusField("VmRSS"));
        return m;
    }

    private static Long statusField(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key + ":")) {
                    return Long.parseLong(line.substring(key.length() + 1).replace("kB", "").trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return null; // not Linux, or an unexpected format: reported as unavailable
        }
        return null;
    }
}
