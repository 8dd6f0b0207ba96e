package dev.tbar.data;

import dev.tbar.TbarException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Opening datasets from a {@link DatasetConfig}, seeded stratified splits and samples, and content hashes. */
public final class Datasets {
    public static final List<String> SPLITS = List.of("train", "test");

    private Datasets() {}

    /** The two parts of a split, as views of the source; each keeps the source order. */
    public record Split(Subset first, Subset second) {}

    /**
     * Opens split {@code split} ({@code train} or {@code test}) as configured: decoded (or read from the decode
     * cache), resized to {@code image_size} and converted to the configured channels.
     */
    public static ImageDataset open(DatasetConfig cfg, String split) {
        if (!SPLITS.contains(split)) {
            throw new TbarException("dataset split must be one of " + SPLITS + ", got '" + split + "'");
        }
        if (cfg.isSynthetic()) {
            int n = split.equals("train") ? cfg.trainSize() : cfg.testSize();
            return adapt(Synthetic.generate(n, cfg.imageSize(), split, 0), cfg);
        }
        Path path = cfg.requirePath();
        return DecodeCache.open(cfg, split, path, () -> adapt(read(cfg, split, path), cfg));
    }

    /** Decodes {@code split} of a file-based format, without the cache. */
    static InMemoryDataset read(DatasetConfig cfg, String split, Path path) {
        switch (cfg.format()) {
            case "imagefolder":
                return ImageFolder.read(path, split, cfg.imageSize());
            case "gtsrb":
                return Gtsrb.read(path, split, cfg.imageSize(), cfg.cropRoi());
            case "cifar10-bin":
                return CifarBinary.read(path, split);
            case "idx":
                return Idx.read(path, split);
            default:
                throw new TbarException("data.format '" + cfg.format() + "' is not supported");
        }
    }

    /** Converts to the configured channels and size where the reader left them as stored. */
    static InMemoryDataset adapt(InMemoryDataset ds, DatasetConfig cfg) {
        int c = cfg.channels() == 0 ? ds.channels() : cfg.channels();
        int size = cfg.imageSize();
        if (c == ds.channels() && size == ds.height() && size == ds.width()) {
            return ds;
        }
        byte[][] out = new byte[ds.size()][];
        int[] labels = new int[ds.size()];
        for (int i = 0; i < out.length; i++) {
            Image im = Transforms.resize(Transforms.channels(ds.image(i), c), size, size);
            out[i] = im.toBytes();
            labels[i] = ds.label(i);
        }
        return new InMemoryDataset(c, size, size, out, labels, ds.classes(),
                ds.describe() + " -> " + c + "x" + size + "x" + size);
    }

    /**
     * Fails unless {@code train} and {@code test} have the same classes in the same order (a renamed or missing class
     * folder would shift every label) and at least two of them.
     */
    public static void requireSameClasses(ImageDataset train, ImageDataset test, String source) {
        List<String> a = train.classes();
        List<String> b = test.classes();
        if (!a.equals(b)) {
            List<String> onlyTrain = new ArrayList<>(a);
            onlyTrain.removeAll(b);
            List<String> onlyTest = new ArrayList<>(b);
            onlyTest.removeAll(a);
            throw new TbarException(source + ": the train and test splits have different classes (only in train: "
                    + onlyTrain + ", only in test: " + onlyTest + (onlyTrain.isEmpty() && onlyTest.isEmpty()
                    ? ", same names in another order" : "") + "); labels would not match");
        }
        if (a.size() < 2) {
            throw new TbarException(source + ": " + a.size() + " class " + a + "; a classifier needs at least two");
        }
    }

    /**
     * Splits {@code ds} per class: round(fraction * size) items go to {@code second}, spread over the classes in
     * proportion to their sizes (largest remainders), chosen within each class by {@code seed}; the rest go to
     * {@code first}.
     */
    public static Split split(ImageDataset ds, double fraction, long seed) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new TbarException("split fraction must be in [0, 1], got " + fraction);
        }
        boolean[] chosen = stratified(ds, (int) Math.round(fraction * ds.size()), seed);
        String how = "fraction " + fraction + ", seed " + seed;
        return new Split(new Subset(ds, positions(chosen, false), "split rest (" + how + ")"),
                new Subset(ds, positions(chosen, true), "split part (" + how + ")"));
    }

    /** Exactly {@code n} items drawn per class in proportion to class sizes, seeded, in source order. */
    public static Subset sample(ImageDataset ds, int n, long seed) {
        if (n < 0 || n > ds.size()) {
            throw new TbarException("cannot sample " + n + " images from " + ds.describe() + " (has " + ds.size()
                    + ")");
        }
        return new Subset(ds, positions(stratified(ds, n, seed), true), "sample of " + n + " (seed " + seed + ")");
    }

    /** See {@link DatasetHash#sha256}. */
    public static String sha256(ImageDataset ds) {
        return DatasetHash.sha256(ds);
    }

    /** Marks {@code take} items: a per-class quota by largest remainder, members picked by a seeded shuffle. */
    private static boolean[] stratified(ImageDataset ds, int take, long seed) {
        List<List<Integer>> byClass = new ArrayList<>();
        for (int c = 0; c < ds.numClasses(); c++) {
            byClass.add(new ArrayList<>());
        }
        for (int i = 0; i < ds.size(); i++) {
            byClass.get(ds.label(i)).add(i);
        }
        int[] quota = quotas(byClass, take, ds.size());
        boolean[] chosen = new boolean[ds.size()];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int c = 0; c < byClass.size(); c++) {
            List<Integer> members = byClass.get(c);
            // partial Fisher-Yates: the first quota[c] positions become a uniform random choice
            for (int k = 0; k < quota[c]; k++) {
                int j = k + rnd.nextInt(members.size() - k);
                Integer t = members.get(k);
                members.set(k, members.get(j));
                members.set(j, t);
                chosen[members.get(k)] = true;
            }
        }
        return chosen;
    }

    private static int[] quotas(List<List<Integer>> byClass, int take, int total) {
        int[] quota = new int[byClass.size()];
        double[] remainder = new double[byClass.size()];
        int given = 0;
        for (int c = 0; c < quota.length; c++) {
            double exact = total == 0 ? 0 : (double) take * byClass.get(c).size() / total;
            quota[c] = (int) Math.floor(exact);
            remainder[c] = exact - quota[c];
            given += quota[c];
        }
        while (given < take) { // hand out the rest by largest remainder, lowest class first on ties
            int best = -1;
            for (int c = 0; c < quota.length; c++) {
                if (quota[c] < byClass.get(c).size() && (best < 0 || remainder[c] > remainder[best])) {
                    best = c;
                }
            }
            quota[best]++;
            remainder[best] = -1;
            given++;
        }
        return quota;
    }

    private static int[] positions(boolean[] chosen, boolean value) {
        int n = 0;
        for (boolean b : chosen) {
            n += b == value ? 1 : 0;
        }
        int[] out = new int[n];
        int k = 0;
        for (int i = 0; i < chosen.length; i++) {
            if (chosen[i] == value) {
                out[k++] = i;
            }
        }
        return out;
    }
}
