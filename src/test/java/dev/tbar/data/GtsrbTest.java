package dev.tbar.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.Shared;
import dev.tbar.TbarException;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GtsrbTest {
    private static final String HEADER = "Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\r\n";
    private static final int RED = 0xff0000;
    private static final int BLUE = 0x0000ff;

    @TempDir
    Path tmp;

    /** A 12x10 image: blue border, red inside [4, 8) x [3, 7). */
    static byte[] sign() {
        return TarBuilder.ppm(12, 10, (x, y) -> x >= 4 && x < 8 && y >= 3 && y < 7 ? RED : BLUE);
    }

    /** Two classes (0 and 2) of training images, images before their CSV as in the official archive. */
    static TarBuilder official(String testCsv) {
        return new TarBuilder()
                .add("GTSRB/Final_Training/Images/00000/00000_00000.ppm", sign())
                .add("GTSRB/Final_Training/Images/00000/00000_00001.ppm", sign())
                .add("GTSRB/Final_Training/Images/00000/GT-00000.csv", HEADER
                        + "00000_00000.ppm;12;10;4;3;8;7;0\r\n00000_00001.ppm;12;10;0;0;12;10;0\r\n")
                .add("GTSRB/Final_Training/Images/00002/00002_00000.ppm", sign())
                .add("GTSRB/Final_Training/Images/00002/GT-00002.csv", HEADER + "00002_00000.ppm;12;10;4;3;8;7;2\r\n")
                .add("GTSRB/Final_Test/GT-final_test.csv", testCsv)
                .add("GTSRB/Final_Test/Images/00000.ppm", sign())
                .add("GTSRB/Final_Test/Images/00001.ppm", sign())
                .add("GTSRB/Final_Test/Images/GT-final_test.test.csv", "Filename;Width\r\n");
    }

    static final String TEST_CSV = HEADER + "00000.ppm;12;10;4;3;8;7;14\r\n00001.ppm;12;10;4;3;8;7;42\r\n";

    @Test
    void readsTheOfficialLayoutWithRoiCrop() throws Exception {
        Path tar = official(TEST_CSV).writeTar(tmp.resolve("gtsrb.tar.xz"));
        InMemoryDataset train = Gtsrb.read(tar, "train", 8, true);
        assertEquals(3, train.size());
        assertEquals(43, train.numClasses());
        assertEquals("Stop", train.classes().get(14));
        assertEquals(0, train.label(0));
        assertEquals(2, train.label(2));
        // cropped to the red square: all red
        Image roi = train.image(0);
        assertEquals(1f, roi.get(0, 4, 4));
        assertEquals(0f, roi.get(2, 0, 0));
        // second image's ROI is the whole image: the corner is blue
        assertEquals(1f, train.image(1).get(2, 0, 0));
        InMemoryDataset uncropped = Gtsrb.read(tar, "train", 8, false);
        assertEquals(1f, uncropped.image(0).get(2, 0, 0));
        InMemoryDataset test = Gtsrb.read(tar, "test", 8, true);
        assertEquals(2, test.size());
        assertEquals(14, test.label(0));
        assertEquals(42, test.label(1));
        assertTrue(test.describe().contains("GTSRB"), test.describe());
        Path dir = official(TEST_CSV).writeDir(tmp.resolve("unpacked"));
        assertEquals(DatasetHash.sha256(test), DatasetHash.sha256(Datasets.open(
                DatasetConfig.of("gtsrb", dir.toString()).withImageSize(8).withCache("off"), "test")));
    }

    /** Images stored smaller than annotated (as in resized redistributions): the ROI is scaled to match. */
    @Test
    void roiIsScaledWhenImagesAreStoredResized() throws Exception {
        Path tar = official(HEADER + "00000.ppm;24;20;8;6;16;14;14\r\n00001.ppm;12;10;4;3;8;7;1\r\n")
                .writeTar(tmp.resolve("scaled.tar"));
        InMemoryDataset test = Gtsrb.read(tar, "test", 8, true);
        Image scaled = test.image(0);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                assertEquals(1f, scaled.get(0, y, x), "red at " + y + "," + x);
                assertEquals(0f, scaled.get(2, y, x), "no blue at " + y + "," + x);
            }
        }
        assertTrue(test.describe().contains("1 stored resized"), test.describe());
    }

    @Test
    void badAnnotationsNameTheFileAndLine() throws Exception {
        Path badRow = official(HEADER + "00000.ppm;12;10;4;3;8;7;14\r\n00001.ppm;12;10;4;x;8;7;1\r\n")
                .writeTar(tmp.resolve("row.tar"));
        var row = assertThrows(TbarException.class, () -> Gtsrb.read(badRow, "test", 8, true));
        assertTrue(row.getMessage().contains("GT-final_test.csv line 3"), row.getMessage());

        Path roi = official(HEADER + "00000.ppm;12;10;4;3;13;7;14\r\n").writeTar(tmp.resolve("roi.tar"));
        var outside = assertThrows(TbarException.class, () -> Gtsrb.read(roi, "test", 8, true));
        assertTrue(outside.getMessage().contains("line 2") && outside.getMessage().contains("region"),
                outside.getMessage());


        Path unlisted = official(HEADER + "00000.ppm;12;10;4;3;8;7;14\r\n").writeTar(tmp.resolve("unlisted.tar"));
        var noRow = assertThrows(TbarException.class, () -> Gtsrb.read(unlisted, "test", 8, true));
        assertTrue(noRow.getMessage().contains("00001.ppm"), noRow.getMessage());

        Path noCsv = new TarBuilder().add("Final_Training/Images/00003/00003_00000.ppm", sign())
                .writeTar(tmp.resolve("nocsv.tar"));
        var csv = assertThrows(TbarException.class, () -> Gtsrb.read(noCsv, "train", 8, true));
        assertTrue(csv.getMessage().contains("GT-00003.csv"), csv.getMessage());

        Path wrongClass = new TarBuilder().add("Final_Training/Images/00003/00003_00000.ppm", sign())
                .add("Final_Training/Images/00003/GT-00003.csv", HEADER + "00003_00000.ppm;12;10;4;3;8;7;4\r\n")
                .writeTar(tmp.resolve("class.tar"));
        var cls = assertThrows(TbarException.class, () -> Gtsrb.read(wrongClass, "train", 8, true));
        assertTrue(cls.getMessage().contains("line 2") && cls.getMessage().contains("ClassId 4"), cls.getMessage());

        Path unreadable = new TarBuilder().add("Final_Training/Images/00003/00003_00000.ppm", "P6 garbage")
                .add("Final_Training/Images/00003/GT-00003.csv", HEADER + "00003_00000.ppm;12;10;4;3;8;7;3\r\n")
                .writeTar(tmp.resolve("unreadable.tar"));
        var image = assertThrows(TbarException.class, () -> Gtsrb.read(unreadable, "train", 8, true));
        assertTrue(image.getMessage().contains("00003_00000.ppm"), image.getMessage());

        Path empty = new TarBuilder().add("other/file.txt", "x").writeTar(tmp.resolve("empty.tar"));
        var layout = assertThrows(TbarException.class, () -> Gtsrb.read(empty, "test", 8, true));
        assertTrue(layout.getMessage().contains("Final_Test/GT-final_test.csv"), layout.getMessage());
    }

    /** Decodes the shared archive's test split (the whole .tar.xz is decompressed: ~20-40 s on 2 cores). */
    @Test
    @Tag("slow")
    void sharedGtsrbTestSplit() {
        Path archive = Shared.require("data/gtsrb.tar.xz");
        long t0 = System.nanoTime();
        InMemoryDataset test = Gtsrb.read(archive, "test", 32, true);
        System.out.printf("GTSRB test split: %d images in %.1f s%n", test.size(), (System.nanoTime() - t0) / 1e9);
        assertEquals(12_630, test.size());
        assertEquals(16, test.label(0)); // 00000.ppm
        assertEquals(1, test.label(1));
        int[] perClass = new int[43];
        for (int i = 0; i < test.size(); i++) {
            perClass[test.label(i)]++;
        }
        for (int c = 0; c < 43; c++) {
            assertTrue(perClass[c] > 0, "class " + c + " present");
        }
    }
}
