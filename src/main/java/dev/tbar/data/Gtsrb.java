package dev.tbar.data;

import dev.tbar.TbarException;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The German Traffic Sign Recognition Benchmark in its official layout, from a directory or an archive (any leading
 * folder is allowed): training images {@code Final_Training/Images/000NN/*.ppm} annotated by
 * {@code GT-000NN.csv} in the same folder, test images {@code Final_Test/Images/*.ppm} labelled by
 * {@code Final_Test/GT-final_test.csv}. Annotation rows are {@code Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;
 * Roi.Y2;ClassId}; the region of interest is taken as [X1, X2) x [Y1, Y2). Items are ordered by path.
 */
public final class Gtsrb {
    private static final Logger LOG = LoggerFactory.getLogger(Gtsrb.class);
    public static final int NUM_CLASSES = 43;
    /** Sign names by class id, as commonly published with the benchmark. */
    public static final List<String> CLASSES = List.of("Speed limit (20km/h)", "Speed limit (30km/h)",
            "Speed limit (50km/h)", "Speed limit (60km/h)", "Speed limit (70km/h)", "Speed limit (80km/h)",
            "End of speed limit (80km/h)", "Speed limit (100km/h)", "Speed limit (120km/h)", "No passing",
            "No passing for vehicles over 3.5 metric tons", "Right-of-way at the next intersection", "Priority road",
            "Yield", "Stop", "No vehicles", "Vehicles over 3.5 metric tons prohibited", "No entry", "General caution",
            "Dangerous curve to the left", "Dangerous curve to the right", "Double curve", "Bumpy road",
            "Slippery road", "Road narrows on the right", "Road work", "Traffic signals", "Pedestrians",
            "Children crossing", "Bicycles crossing", "Beware of ice/snow", "Wild animals crossing",
            "End of all speed and passing limits", "Turn right ahead", "Turn left ahead", "Ahead only",
            "Go straight or right", "Go straight or left", "Keep right", "Keep left", "Roundabout mandatory",
            "End of no passing", "End of no passing by vehicles over 3.5 metric tons");

    private static final Pattern TRAIN_IMAGE = Pattern.compile("(.*/)?Final_Training/Images/(\\d{5})/([^/]+\\.ppm)");
    private static final Pattern TRAIN_CSV = Pattern.compile("(.*/)?Final_Training/Images/(\\d{5})/GT-\\2\\.csv");
    private static final Pattern TEST_IMAGE = Pattern.compile("(.*/)?Final_Test/Images/([^/]+\\.ppm)");
    private static final Pattern TEST_CSV = Pattern.compile("(.*/)?Final_Test/(Images/)?GT-final_test\\.csv");

    private Gtsrb() {}

    /** One annotation row; {@code where} is "file line N" for messages. */
    private record Row(String where, int width, int height, int x1, int y1, int x2, int y2, int classId) {}

    private record Item(int label, byte[] pixels) {}

    /**
     * Reads split {@code train} or {@code test} of {@code source}, cropping each image to its region of interest
     * when {@code cropRoi}, then resizing to {@code size} x {@code size} (bilinear).
     */
    public static InMemoryDataset read(Path source, String split, int size, boolean cropRoi) {
        boolean train = split.equals("train");
        Pattern imagePattern = train ? TRAIN_IMAGE : TEST_IMAGE;
        Pattern csvPattern = train ? TRAIN_CSV : TEST_CSV;
        Map<String, Row> rows = new HashMap<>(); // image path -> its annotation
        Map<String, byte[]> pending = new HashMap<>(); // images seen before their CSV
        TreeMap<String, Item> items = new TreeMap<>();
        List<String> csvs = new ArrayList<>();
        TreeMap<String, String> folders = new TreeMap<>(); // train: class folder path -> its expected CSV
        Decoder decoder = new Decoder(source, size, cropRoi);
        FileTree.walk(source, p -> p.contains(train ? "Final_Training/" : "Final_Test/"), (path, content) -> {
            Matcher image = imagePattern.matcher(path);
            Matcher csv = csvPattern.matcher(path);
            if (csv.matches()) {
                csvs.add(path);
                String dir = path.substring(0, path.lastIndexOf('/') + 1);
                // the test CSV may sit beside Images/ or inside it; its rows name files in Images/
                String imageDir = train ? dir : (csv.group(1) == null ? "" : csv.group(1)) + "Final_Test/Images/";
                Integer folderClass = train ? Integer.valueOf(csv.group(2)) : null;
                for (Map.Entry<String, Row> e : parse(source, path, content, folderClass)) {
                    String key = imageDir + e.getKey();
                    Row row = e.getValue();
                    if (rows.put(key, row) != null) {
                        throw new TbarException(source + "!" + row.where + ": image listed twice");
                    }
                    byte[] waiting = pending.remove(key);
                    if (waiting != null) {
                        items.put(key, decoder.decode(key, waiting, row));
                    }
                }
            } else if (image.matches()) {
                if (train) {
                    folders.put(path.substring(0, path.lastIndexOf('/') + 1), "GT-" + image.group(2) + ".csv");
                }
                Row row = rows.get(path);
                if (row != null) {
                    items.put(path, decoder.decode(path, content, row));
                } else {
                    pending.put(path, content);
                }
            }
        });
        check(source, train, rows, pending, items, csvs, folders);
        if (decoder.rescaled > 0) {
            LOG.warn("{}: {} of {} images are not stored at their annotated size (e.g. {}); regions of interest"
                    + " were scaled to the stored size", source, decoder.rescaled, items.size(), decoder.example);
        }
        byte[][] images = new byte[items.size()][];
        int[] labels = new int[items.size()];
        int i = 0;
        for (Item it : items.values()) {
            images[i] = it.pixels;
            labels[i++] = it.label;
        }
        return new InMemoryDataset(3, size, size, images, labels, CLASSES, "GTSRB " + source.getFileName() + " ["
                + split + "], " + images.length + " images, " + NUM_CLASSES + " classes, " + size + "px"
                + (cropRoi ? ", ROI-cropped" : "")
                + (decoder.rescaled > 0 ? " (" + decoder.rescaled + " stored resized, ROI scaled)" : ""));
    }

    /** Every image annotated, every annotation matched by an image, every class folder with its CSV. */
    private static void check(Path source, boolean train, Map<String, Row> rows, Map<String, byte[]> pending,
            Map<String, Item> items, List<String> csvs, Map<String, String> folders) {
        String expected = train ? "Final_Training/Images/000NN/GT-000NN.csv" : "Final_Test/GT-final_test.csv";
        if (csvs.isEmpty() && pending.isEmpty()) {
            throw new TbarException(source + ": no GTSRB " + (train ? "training" : "test") + " data found (expected "
                    + (train ? "Final_Training/Images/000NN/*.ppm with " : "Final_Test/Images/*.ppm with ")
                    + expected + ")");
        }
        for (var f : folders.entrySet()) {
            if (!csvs.contains(f.getKey() + f.getValue())) {
                throw new TbarException(source + ": missing annotation file " + f.getKey() + f.getValue());
            }
        }
        if (!pending.isEmpty()) {
            String first = new TreeMap<>(pending).firstKey();
            throw new TbarException(source + ": " + pending.size() + " image(s) have no annotation row, e.g. "
                    + first + (csvs.isEmpty() ? " (missing " + expected + ")" : ""));
        }
        for (var e : rows.entrySet()) {
            if (!items.containsKey(e.getKey())) {
                throw new TbarException(source + "!" + e.getValue().where + ": image " + e.getKey() + " not found");
            }
        }
    }

    /** Parses a CSV into (file name, row) pairs in file order. */
    private static List<Map.Entry<String, Row>> parse(Path source, String csv, byte[] content, Integer folderClass) {
        String[] lines = new String(content, StandardCharsets.UTF_8).split("\r?\n");
        if (lines.length == 0 || !lines[0].startsWith("Filename;")) {
            throw new TbarException(source + "!" + csv + " line 1: expected the header "
                    + "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId");
        }
        List<Map.Entry<String, Row>> out = new ArrayList<>();
        for (int n = 1; n < lines.length; n++) {
            if (lines[n].isBlank()) {
                continue;
            }
            String where = csv + " line " + (n + 1);
            String[] f = lines[n].split(";", -1);
            if (f.length != 8 || !f[0].endsWith(".ppm") || f[0].contains("/")) {
                throw new TbarException(source + "!" + where + ": expected 8 ';'-separated fields "
                        + "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId with a .ppm file name, got '"
                        + lines[n] + "'");
            }
            int[] v = new int[7];
            for (int k = 0; k < 7; k++) {
                try {
                    v[k] = Integer.parseInt(f[k + 1].trim());
                } catch (NumberFormatException e) {
                    throw new TbarException(source + "!" + where + ": field " + (k + 2) + " is '" + f[k + 1]
                            + "', expected an integer");
                }
            }
            Row r = new Row(where, v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
            if (r.width <= 0 || r.height <= 0 || r.x1 < 0 || r.y1 < 0 || r.x2 <= r.x1 || r.y2 <= r.y1
                    || r.x2 > r.width || r.y2 > r.height) {
                throw new TbarException(source + "!" + where + ": region of interest (" + r.x1 + "," + r.y1 + ")-("
                        + r.x2 + "," + r.y2 + ") does not fit a " + r.width + "x" + r.height + " image");
            }
            if (r.classId < 0 || r.classId >= NUM_CLASSES || (folderClass != null && r.classId != folderClass)) {
                throw new TbarException(source + "!" + where + ": ClassId " + r.classId + ", expected "
                        + (folderClass != null ? folderClass + " (the folder's class)" : "0.." + (NUM_CLASSES - 1)));
            }
            out.add(Map.entry(f[0], r));
        }
        return out;
    }

    /**
     * Decodes, crops and resizes. Some redistributions store the images already resized (e.g. all 32x32) while
     * the CSVs keep the original sizes and ROIs: the ROI is then scaled to the stored size, and counted.
     */
    private static final class Decoder {
        private final Path source;
        private final int size;
        private final boolean cropRoi;
        int rescaled;
        String example;

        Decoder(Path source, int size, boolean cropRoi) {
            this.source = source;
            this.size = size;
            this.cropRoi = cropRoi;
        }

        Item decode(String path, byte[] content, Row row) {
            BufferedImage img = ImageCodec.decode(content, source + "!" + path);
            int w = img.getWidth();
            int h = img.getHeight();
            int x1 = row.x1;
            int y1 = row.y1;
            int x2 = row.x2;
            int y2 = row.y2;
            if (w != row.width || h != row.height) {
                if (rescaled++ == 0) {
                    example = path + " is " + w + "x" + h + ", annotated as " + row.width + "x" + row.height + " in "
                            + row.where;
                }
                x1 = scale(x1, w, row.width);
                x2 = Math.max(x1 + 1, scale(x2, w, row.width));
                y1 = scale(y1, h, row.height);
                y2 = Math.max(y1 + 1, scale(y2, h, row.height));
            }
            BufferedImage out = cropRoi ? ImageCodec.resize(img, x1, y1, x2, y2, size)
                    : ImageCodec.resize(img, 0, 0, w, h, size);
            return new Item(row.classId, ImageCodec.toChw(out));
        }

        /** Coordinate {@code v} of an axis annotated as {@code annotated} long, on an axis {@code actual} long. */
        private static int scale(int v, int actual, int annotated) {
            return Math.min(actual - 1, (int) Math.round((double) v * actual / annotated));
        }
    }
}
