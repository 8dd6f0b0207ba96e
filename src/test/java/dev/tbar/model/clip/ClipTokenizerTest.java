package dev.tbar.model.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tbar.Shared;
import dev.tbar.TbarException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java BPE must reproduce CLIP's reference tokenizer exactly (fixture cases come from an independent one). */
class ClipTokenizerTest {
    private static ClipTokenizer tok;

    @BeforeAll
    static void load() {
        tok = ClipTokenizer.fromDirectory(Shared.require("clip"));
    }

    @Test
    void reproducesEveryFixtureCase() throws IOException {
        JsonNode cases = new ObjectMapper().readTree(
                Shared.require("fixtures/clip-tiny/tokenizer_cases.json").toFile()).get("cases");
        assertTrue(cases.size() >= 9);
        for (JsonNode c : cases) {
            String text = c.get("text").asText();
            int[] expected = new int[c.get("ids").size()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = c.get("ids").get(i).asInt();
            }
            assertArrayEquals(expected, tok.encode(text), () -> "ids of '" + text + "'");
        }
    }

    @Test
    void photoOfACat() {
        assertArrayEquals(new int[] {49406, 320, 1125, 539, 320, 2368, 269, 49407}, tok.encode("a photo of a cat."));
        assertEquals(49406, tok.startId());
        assertEquals(49407, tok.endId());
        assertEquals(49408, tok.vocabSize());
    }

    @Test
    void emptyAndBlankTextGiveOnlyStartAndEnd() {
        assertArrayEquals(new int[] {49406, 49407}, tok.encode(""));
        assertArrayEquals(new int[] {49406, 49407}, tok.encode(" \t\n\u00a0\u2003 "));
    }

    @Test
    void cleanupDecodesHtmlCollapsesSpaceAndLowercases() {
        assertEquals("a & b <c> café", ClipTokenizer.clean("  A &amp;amp; B\n\n&lt;C&gt;   cafe\u0301 "));
        assertEquals("&nosuch; \u00a9right a", ClipTokenizer.clean("&nosuch; &copyright &#65;"));
        // html unescape twice: "&amp;amp;" becomes "&"; a decomposed e + accent is NFC-composed like ftfy does
        assertArrayEquals(tok.encode("café"), tok.encode("cafe\u0301"));
        assertArrayEquals(tok.encode("fish & chips"), tok.encode("fish &amp; chips"));
    }

    @Test
    void ftfyCharacterFixesApply() {
        assertArrayEquals(tok.encode("a dog's life"), tok.encode("a dog\u2019s life"));
        assertArrayEquals(tok.encode("\"quoted\""), tok.encode("\u201cquoted\u201d"));
        String fullWidth = "\uff2c\uff2f\uff35\uff24\u3000\uff2e\uff2f\uff29\uff33\uff25\uff33"; // LOUD NOISES
        assertArrayEquals(tok.encode("loud noises"), tok.encode(fullWidth));
        assertArrayEquals(tok.encode("fish"), tok.encode("\ufb01sh"));
    }

    @Test
    void unicodeAndEmojiUseByteFallbackAndStayInVocabulary() {
        int[] ids = tok.encode("東京 🍣 Ωmega 𝔘𝔫𝔦");
        assertEquals(49406, ids[0]);
        assertEquals(49407, ids[ids.length - 1]);
        for (int i = 1; i < ids.length - 1; i++) {
            assertTrue(ids[i] >= 0 && ids[i] < 49406, "id " + ids[i]);
        }
        // the same word always gives the same ids (cache hit path equals cold path)
        assertArrayEquals(tok.bpeIds("🍣"), tok.bpeIds("🍣"));
        assertArrayEquals(new int[] {320, 2368}, tok.bpeIds("a cat"));
    }

    @Test
    void longTextIsTruncatedKeepingTheEndToken() {
        String text = "word ".repeat(500);
        int[] ids = tok.encode(text);
        assertEquals(77, ids.length);
        assertEquals(49406, ids[0]);
        assertEquals(49407, ids[76]);
        int[] shortCtx = tok.encode(text, 5);
        assertArrayEquals(new int[] {49406, ids[1], ids[2], ids[3], 49407}, shortCtx);
    }

    @Test
    void literalSpecialTokensInTextMapToTheirIds() {
        assertArrayEquals(new int[] {49406, 320, 49407, 2368, 49407}, tok.encode("a<|endoftext|>cat"));
    }

    @Test
    void batchIsZeroPaddedInt64() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ids = tok.encodeBatch(m, List.of("a photo of a cat.", ""), 77);
            assertEquals(2, ids.getShape().get(0));
            assertEquals(77, ids.getShape().get(1));
            long[] v = ids.toLongArray();
            assertEquals(49407, v[7]);
            assertEquals(0, v[8]);
            assertEquals(49406, v[77]);
            assertEquals(49407, v[78]);
            assertEquals(0, v[79]);
        }
    }

    @Test
    void missingFilesAreNamed(@TempDir Path dir) throws IOException {
        Path vocab = Shared.require("clip/vocab.json");
        TbarException e = assertThrows(TbarException.class,
                () -> ClipTokenizer.load(vocab, dir.resolve("merges.txt")));
        assertTrue(e.getMessage().contains("merges.txt"), e.getMessage());
        e = assertThrows(TbarException.class, () -> ClipTokenizer.fromDirectory(dir));
        assertTrue(e.getMessage().contains("vocab.json"), e.getMessage());
        Path bad = Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\ni n\nbroken\n");
        e = assertThrows(TbarException.class, () -> ClipTokenizer.load(vocab, bad));
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
    }
}
