package dev.tbar.data;

import dev.tbar.TbarException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/** Opening datasets from a {@link DatasetConfig}, seeded stratified splits and samples, and content hashes. */
public final class Datasets {
    private Datasets() {}

    /** The two parts of a split, as views of the source. */
    public record Split(Subset first, Subset second) {}

    /** Opens split {@code split} ({@code train} or {@code test}). */
    public static ImageDataset open(DatasetConfig cfg, String split) {
        switch (cfg.format()) {
            case "synthetic":
                return Synthetic.generate(split.equals("train") ? cfg.trainSize() : cfg.testSize(), cfg.imageSize(),
                        split, 0);
            case "imagefolder":
                return ImageFolder.read(cfg.requirePath(), split, cfg.imageSize());
            default:
                throw new TbarException("data.format '" + cfg.format() + "' is not supported");
        }
    }

    /**
     * Splits {@code ds} per class: a {@code fraction} of each class goes to {@code second}, the rest to
     * {@code first}, chosen by {@code seed}. Both parts keep the source order.
     */
    public static Split split(ImageDataset ds, double fraction, long seed) {
        List<List<Integer>> byClass = byClass(ds);
        boolean[] second = new boolean[ds.size()];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (List<Integer> members : byClass) {
            int take = (int) Math.round(fraction * members.size());
            shuffle(members, rnd);
            for (int i = 0; i < take; i++) {
                second[members.get(i)] = true;
            }
        }
        List<Integer> a = new ArrayList<>();
        List<Integer> b = new ArrayList<>();
        for (int i = 0; i < ds.size(); i++) {
            (second[i] ? b : a).add(i);
        }
        return new Split(new Subset(ds, toArray(a), "split part 1"), new Subset(ds, toArray(b), "split part 2"));
    }

    /** About {@code n} items drawn per class in proportion to class sizes (exactly n overall), seeded. */
    public static Subset sample(ImageDataset ds, int n, long seed) {
        if (n > ds.size()) {
            throw new TbarException("cannot sample " + n + " images from " + ds.describe());
        }
        Split s = split(ds, n / (double) ds.size(), seed);
        int[] idx = s.second().indices();
        if (idx.length != n) { // rounding per class: top up or trim deterministically
            SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
            List<Integer> chosen = new ArrayList<>();
            for (int i : idx) {
                chosen.add(i);
            }
            List<Integer> rest = new ArrayList<>();
            for (int i : s.first().indices()) {
                rest.add(i);
            }
            shuffle(rest, rnd);
            shuffle(chosen, rnd);
            while (chosen.size() < n) {
                chosen.add(rest.remove(rest.size() - 1));
            }
            while (chosen.size() > n) {
                chosen.remove(chosen.size() - 1);
            }
            chosen.sort(null);
            idx = toArray(chosen);
        }
        return new Subset(ds, idx, "sample");
    }

    /** SHA-256 over every image's 8-bit pixels and label, in order: identifies the exact data of a run. */
    public static String sha256(ImageDataset ds) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer label = ByteBuffer.allocate(4);
            for (int i = 0; i < ds.size(); i++) {
                md.update(ds instanceof InMemoryDataset mem ? mem.bytes(i) : ds.image(i).toBytes());
                md.update(label.clear().putInt(ds.label(i)).array());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<List<Integer>> byClass(ImageDataset ds) {
        List<List<Integer>> out = new ArrayList<>();
        for (int c = 0; c < ds.numClasses(); c++) {
            out.add(new ArrayList<>());
        }
        for (int i = 0; i < ds.size(); i++) {
            out.get(ds.label(i)).add(i);
        }
        return out;
    }

    private static void shuffle(List<Integer> l, SplittableRandom rnd) {
        for (int i = l.size() - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            Integer t = l.get(i);
            l.set(i, l.get(j));
            l.set(j, t);
        }
    }

    private static int[] toArray(List<Integer> l) {
        return l.stream().mapToInt(Integer::intValue).toArray();
    }
}
