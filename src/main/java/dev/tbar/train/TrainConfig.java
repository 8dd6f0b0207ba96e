package dev.tbar.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tbar.TbarException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Settings of one training run. Augmentation is not here: the caller passes a {@link dev.tbar.data.Transform}.
 * Keys in messages and in {@link #describe()} are the config-file names ({@code train.lr}, ...).
 *
 * @param optimizer      {@code sgd} (PyTorch semantics, dampening 0) or {@code adamw} (decoupled weight decay)
 * @param lr             peak learning rate
 * @param momentum       SGD momentum (0 = plain SGD); ignored by AdamW
 * @param nesterov       Nesterov momentum for SGD
 * @param weightDecay    L2 penalty (SGD) or decoupled decay (AdamW)
 * @param decayOneDim    whether weight decay also applies to 1-D parameters (BatchNorm/LayerNorm, biases)
 * @param beta1          AdamW first-moment decay
 * @param beta2          AdamW second-moment decay
 * @param eps            AdamW denominator epsilon
 * @param epochs         passes over the data (used when maxSteps is 0)
 * @param maxSteps       if > 0, stop after this many steps, cycling over the data as needed
 * @param batchSize      images per step; the last batch of an epoch may be smaller
 * @param warmupFraction fraction of all steps with a linear warmup from lr/W to lr
 * @param schedule       {@code cosine} (to 0 at the end) or {@code constant} after warmup
 * @param clipNorm       clip the global gradient L2 norm to this value (0 = off)
 * @param trainMode      passed as {@code training} to the objective: BatchNorm batch statistics vs frozen running ones
 * @param seed           seed of the shuffling and of the transform's randomness
 */
public record TrainConfig(Optim optimizer, double lr, double momentum, boolean nesterov, double weightDecay,
        @JsonProperty("decay_1d") boolean decayOneDim, double beta1, double beta2, double eps, int epochs,
        long maxSteps, int batchSize, @JsonProperty("warmup") double warmupFraction, Schedule schedule, double clipNorm, boolean trainMode, long seed) {

    public enum Optim {
        SGD, ADAMW;

        public static Optim parse(String s) {
            return parseEnum(Optim.class, "train.optimizer", s);
        }
    }

    public enum Schedule {
        COSINE, CONSTANT;

        public static Schedule parse(String s) {
            return parseEnum(Schedule.class, "train.schedule", s);
        }
    }

    public TrainConfig {
        require(optimizer != null, "train.optimizer must be sgd or adamw");
        require(schedule != null, "train.schedule must be cosine or constant");
        require(lr > 0 && Double.isFinite(lr), "train.lr must be > 0, got " + lr);
        require(momentum >= 0 && momentum < 1, "train.momentum must be in [0, 1), got " + momentum);
        require(!nesterov || momentum > 0, "train.nesterov needs train.momentum > 0");
        require(weightDecay >= 0 && Double.isFinite(weightDecay), "train.weight_decay must be >= 0, got "
                + weightDecay);
        require(beta1 >= 0 && beta1 < 1, "train.beta1 must be in [0, 1), got " + beta1);
        require(beta2 >= 0 && beta2 < 1, "train.beta2 must be in [0, 1), got " + beta2);
        require(eps > 0 && Double.isFinite(eps), "train.eps must be > 0, got " + eps);
        require(epochs >= 0, "train.epochs must be >= 1, got " + epochs);
        require(maxSteps >= 0, "train.max_steps must be >= 0 (0 = use train.epochs), got " + maxSteps);
        require(maxSteps > 0 || epochs > 0, "train.epochs must be >= 1 when train.max_steps is 0, got " + epochs);
        require(batchSize >= 1, "train.batch_size must be >= 1, got " + batchSize);
        require(warmupFraction >= 0 && warmupFraction < 1, "train.warmup must be in [0, 1), got " + warmupFraction);
        require(clipNorm >= 0 && Double.isFinite(clipNorm), "train.clip_norm must be >= 0 (0 = off), got "
                + clipNorm);
    }

    /** SGD with momentum 0.9, weight decay 5e-4 (not on 1-D params), cosine to 0, batch 128, 10 epochs, seed 0. */
    public static TrainConfig defaults() {
        return new TrainConfig(Optim.SGD, 0.01, 0.9, false, 5e-4, false, 0.9, 0.999, 1e-8, 10, 0, 128, 0.0,
                Schedule.COSINE, 0.0, true, 0L);
    }

    /** AdamW with PyTorch's default betas/eps, weight decay 0.01, otherwise {@link #defaults()}. */
    public static TrainConfig adamw(double lr) {
        return defaults().with("optimizer", "adamw").with("lr", lr).with("weight_decay", 0.01);
    }

    /** Number of optimizer steps for a dataset of {@code size} images. */
    public long totalSteps(int size) {
        return maxSteps > 0 ? maxSteps : epochs * stepsPerEpoch(size);
    }

    public long stepsPerEpoch(int size) {
        return (size + (long) batchSize - 1) / batchSize;
    }

    /** Every setting by key (without the {@code train.} prefix), values as exact strings. */
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("optimizer", optimizer.name().toLowerCase(Locale.ROOT));
        m.put("lr", Double.toString(lr));
        m.put("momentum", Double.toString(momentum));
        m.put("nesterov", Boolean.toString(nesterov));
        m.put("weight_decay", Double.toString(weightDecay));
        m.put("decay_1d", Boolean.toString(decayOneDim));
        m.put("beta1", Double.toString(beta1));
        m.put("beta2", Double.toString(beta2));
        m.put("eps", Double.toString(eps));
        m.put("epochs", Integer.toString(epochs));
        m.put("max_steps", Long.toString(maxSteps));
        m.put("batch_size", Integer.toString(batchSize));
        m.put("warmup", Double.toString(warmupFraction));
        m.put("schedule", schedule.name().toLowerCase(Locale.ROOT));
        m.put("clip_norm", Double.toString(clipNorm));
        m.put("train_mode", Boolean.toString(trainMode));
        m.put("seed", Long.toString(seed));
        return m;
    }

    /** A copy with one setting changed; {@code value} may be a string, number or boolean (as read from YAML). */
    public TrainConfig with(String key, Object value) {
        return with(Map.of(key, value));
    }

    /** A copy with the given settings changed; unknown keys and unparsable values fail naming the key. */
    public TrainConfig with(Map<String, ?> values) {
        Map<String, String> m = describe();
        values.forEach((k, v) -> {
            String key = k.startsWith("train.") ? k.substring(6) : k;
            if (!m.containsKey(key)) {
                throw new TbarException("unknown setting 'train." + key + "'; known: train." + String.join(
                        ", train.", m.keySet()));
            }
            if (v == null) {
                throw new TbarException("train." + key + " has no value");
            }
            m.put(key, v.toString().trim());
        });
        return fromStrings(m);
    }

    private static TrainConfig fromStrings(Map<String, String> m) {
        return new TrainConfig(Optim.parse(m.get("optimizer")), dbl(m, "lr"), dbl(m, "momentum"),
                bool(m, "nesterov"), dbl(m, "weight_decay"), bool(m, "decay_1d"), dbl(m, "beta1"), dbl(m, "beta2"),
                dbl(m, "eps"), (int) lng(m, "epochs", Integer.MAX_VALUE), lng(m, "max_steps", Long.MAX_VALUE),
                (int) lng(m, "batch_size", Integer.MAX_VALUE), dbl(m, "warmup"), Schedule.parse(m.get("schedule")),
                dbl(m, "clip_norm"), bool(m, "train_mode"), lng(m, "seed", Long.MAX_VALUE));
    }

    private static double dbl(Map<String, String> m, String key) {
        try {
            return Double.parseDouble(m.get(key));
        } catch (NumberFormatException e) {
            throw new TbarException("train." + key + " must be a number, got '" + m.get(key) + "'");
        }
    }

    private static long lng(Map<String, String> m, String key, long max) {
        try {
            long v = Long.parseLong(m.get(key));
            if (v > max) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw new TbarException("train." + key + " must be an integer up to " + max + ", got '" + m.get(key)
                    + "'");
        }
    }

    private static boolean bool(Map<String, String> m, String key) {
        String v = m.get(key).toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new TbarException("train." + key + " must be true or false, got '" + m.get(key) + "'");
        }
        return Boolean.parseBoolean(v);
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String key, String s) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(s == null ? "" : s.trim())) {
                return e;
            }
        }
        StringBuilder known = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            known.append(known.length() == 0 ? "" : ", ").append(e.name().toLowerCase(Locale.ROOT));
        }
        throw new TbarException(key + " must be one of " + known + ", got '" + s + "'");
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new TbarException(message);
        }
    }
}
