package dev.tbar.util;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.tbar.TbarException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The device every tensor of a run lives on, chosen once by {@code --device} or {@code TBAR_DEVICE}: {@code auto}
 * (the first GPU when PyTorch sees one, else the CPU), {@code cpu}, {@code cuda} or {@code cuda:N}. tbar makes its
 * root NDManagers here only; sub-managers and the arrays they create inherit the device, so data, weights and
 * TorchScript modules (mapped to their manager's device) all land on it.
 */
public final class Devices {
    public static final String OPTION = "--device";
    public static final String ENV = "TBAR_DEVICE";
    private static final Pattern SPEC = Pattern.compile("auto|cpu|cuda(?::(\\d{1,3}))?");

    private static volatile String spec;
    private static volatile String source = OPTION;
    private static volatile Device device;
    /** The root managers made here and still reachable, for {@link #audit}. */
    private static final Map<NDManager, Boolean> ROOTS = Collections.synchronizedMap(new WeakHashMap<>());

    private Devices() {}

    /**
     * Chooses the device from {@code requested} ({@code null}: {@code TBAR_DEVICE}, else auto). The spelling is checked
     * at once; whether the GPU is there, when the first tensor is made, so commands that make none (help, a
     * leaderboard rebuild, writing Slurm scripts on a login node) run anywhere.
     */
    public static synchronized void use(String requested) {
        String s = requested != null ? requested : System.getenv(ENV);
        String from = requested != null ? OPTION : ENV;
        s = s == null || s.isBlank() ? "auto" : s.strip();
        if (!SPEC.matcher(s).matches()) {
            throw new TbarException(from + " " + s + ": expected auto, cpu, cuda or cuda:N");
        }
        spec = s;
        source = from;
        device = null;
    }

    /** The chosen device, resolved (and a GPU checked for) on first use. */
    public static Device current() {
        Device d = device;
        if (d == null) {
            synchronized (Devices.class) {
                if (device == null) {
                    device = resolve(requested(), source, gpuCount());
                }
                d = device;
            }
        }
        return d;
    }

    /** What was asked for, as given ({@code auto} when nothing was). */
    public static String requested() {
        return spec == null || spec.isBlank() ? "auto" : spec;
    }

    /** A root manager on the chosen device: the one way tbar makes one. */
    public static NDManager newManager() {
        NDManager m = NDManager.newBaseManager(current());
        ROOTS.put(m, Boolean.TRUE);
        return m;
    }

    /**
     * The device {@code spec} names on a machine where PyTorch sees {@code gpus} GPUs; an unknown spelling or a GPU
     * that is not there is an error naming {@code from} (the option or the variable) and what is accepted.
     */
    static Device resolve(String spec, String from, int gpus) {
        Matcher m = SPEC.matcher(spec);
        if (!m.matches()) {
            throw new TbarException(from + " " + spec + ": expected auto, cpu, cuda or cuda:N");
        }
        if (spec.equals("auto")) {
            return gpus > 0 ? Device.gpu(0) : Device.cpu();
        }
        if (spec.equals("cpu")) {
            return Device.cpu();
        }
        int id = m.group(1) == null ? 0 : Integer.parseInt(m.group(1));
        if (id >= gpus) {
            throw new TbarException(from + " " + spec + ": PyTorch sees " + (gpus == 0 ? "no GPU here (tbar runs on"
                    + " CPU natives unless built with -Pcuda on a machine with an NVIDIA driver; see the README)"
                    : gpus + " GPU" + (gpus == 1 ? "" : "s") + " here (cuda:0 to cuda:" + (gpus - 1) + ")")
                    + "; use cpu or auto");
        }
        return Device.gpu(id);
    }

    private static int gpuCount() {
        try {
            return Engine.getInstance().getGpuCount();
        } catch (RuntimeException e) { // EngineException, or whatever DJL's native loading threw
            throw new TbarException("cannot start PyTorch: " + Errors.reason(e) + " (a -Pcuda build downloads its"
                    + " natives on first use, which needs the network and DJL_OFFLINE=false; see the README)", e);
        }
    }

    /** How many arrays {@link #audit} looked at, and those not on the chosen device. */
    public record Audit(int arrays, List<String> stray) {}

    /**
     * Looks at every array alive in tbar's root managers: a check for tests and debugging, to be called where no
     * other thread is working on tensors.
     */
    public static Audit audit() {
        Device want = current();
        List<NDManager> roots;
        synchronized (ROOTS) {
            roots = new ArrayList<>(ROOTS.keySet());
        }
        int n = 0;
        List<String> stray = new ArrayList<>();
        for (NDManager root : roots) {
            if (!root.isOpen()) {
                continue;
            }
            for (NDArray a : root.getManagedArrays()) {
                if (a.isReleased()) {
                    continue;
                }
                n++;
                if (!want.equals(a.getDevice())) {
                    stray.add(a.getName() + " " + a.getShape() + " on " + a.getDevice());
                }
            }
        }
        return new Audit(n, stray);
    }
}
