package dev.tbar.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tbar.TbarException;
import dev.tbar.util.Errors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OpenAI CLIP's byte-level BPE tokenizer, read from the Hugging Face files {@code vocab.json} and {@code merges.txt}.
 *
 * <p>Text cleanup follows CLIP's reference: {@code ftfy.fix_text} without its mojibake repair (so already-garbled
 * text may tokenise differently; see {@link #clean}), HTML references decoded twice ({@link HtmlEntities}),
 * whitespace runs collapsed to one space and trimmed, lower case.
 * Pre-tokenisation uses CLIP's pattern (special tokens, English contractions, letter runs, single digits, runs of
 * other non-space characters); each piece's UTF-8 bytes are mapped to printable characters, its last symbol gets the
 * {@code </w>} word end, and pairs are merged by merge rank. The HF fast tokenizer (DJL's {@code tokenizers}) was
 * checked against the fixtures and differs: it has no HTML decoding ({@code &amp;} stays 3 tokens).
 */
public final class ClipTokenizer {
    public static final int CONTEXT_LENGTH = 77;
    public static final String START = "<|startoftext|>";
    public static final String END = "<|endoftext|>";

    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern PIECES = Pattern.compile("<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll"
            + "|'d|\\p{L}+|\\p{N}|[^\\s\\p{L}\\p{N}]+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final String WORD_END = "</w>";
    private static final int CACHE_LIMIT = 200_000;
    private static final char[] BYTE_CHARS = byteChars();

    private final Map<String, Integer> vocab;
    private final Map<String, Integer> ranks;
    private final int startId;
    private final int endId;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    private ClipTokenizer(Map<String, Integer> vocab, Map<String, Integer> ranks, Path vocabFile) {
        this.vocab = vocab;
        this.ranks = ranks;
        this.startId = special(vocab, START, vocabFile);
        this.endId = special(vocab, END, vocabFile);
    }

    /** Reads {@code vocab.json} and {@code merges.txt} from {@code dir}. */
    public static ClipTokenizer fromDirectory(Path dir) {
        return load(dir.resolve("vocab.json"), dir.resolve("merges.txt"));
    }

    public static ClipTokenizer load(Path vocabJson, Path mergesTxt) {
        return new ClipTokenizer(readVocab(vocabJson), readMerges(mergesTxt), vocabJson);
    }

    public int startId() {
        return startId;
    }

    public int endId() {
        return endId;
    }

    public int vocabSize() {
        return vocab.size();
    }

    /**
     * CLIP's text cleanup in the reference's order: the deterministic parts of {@code ftfy.fix_text} (below), HTML
     * decoding twice, whitespace collapse and trim, lower case.
     */
    public static String clean(String text) {
        String s = HtmlEntities.unescape(HtmlEntities.unescape(ftfyLite(text)));
        s = WHITESPACE.matcher(s).replaceAll(" ").strip();
        return s.toLowerCase(Locale.ROOT);
    }

    /**
     * The character-level fixes ftfy applies by default: curly quotes to straight ones (so "dog’s" splits like
     * "dog's"), Latin ligatures and full/half-width forms to their compatibility forms (U+3000 to a space), then
     * NFC. Its heuristic mojibake repair is left out.
     */
    static String ftfyLite(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (c >= 0x2018 && c <= 0x201b) {
                out.append('\'');
            } else if (c >= 0x201c && c <= 0x201f) {
                out.append('"');
            } else if (c == 0x3000) {
                out.append(' ');
            } else if ((c >= 0xfb00 && c <= 0xfb06) || c == 0x132 || c == 0x133 || (c >= 0xff01 && c <= 0xffef)) {
                out.append(Normalizer.normalize(new String(Character.toChars(c)), Normalizer.Form.NFKC));
            } else {
                out.appendCodePoint(c);
            }
        });
        return Normalizer.normalize(out, Normalizer.Form.NFC);
    }

    /** BPE ids of the cleaned text, without start/end tokens and without truncation. */
    public int[] bpeIds(String text) {
        List<int[]> parts = new ArrayList<>();
        int total = 0;
        Matcher m = PIECES.matcher(clean(text));
        while (m.find()) {
            int[] ids = piece(m.group());
            parts.add(ids);
            total += ids.length;
        }
        int[] out = new int[total];
        int pos = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, pos, p.length);
            pos += p.length;
        }
        return out;
    }

    /** Start token, BPE ids, end token; cut to {@code contextLength} with the end token kept last. No padding. */
    public int[] encode(String text, int contextLength) {
        if (contextLength < 2) {
            throw new IllegalArgumentException("context length must be at least 2, got " + contextLength);
        }
        int[] body = bpeIds(text);
        int n = Math.min(body.length + 2, contextLength);
        int[] out = new int[n];
        out[0] = startId;
        System.arraycopy(body, 0, out, 1, n - 2);
        out[n - 1] = endId;
        return out;
    }

    public int[] encode(String text) {
        return encode(text, CONTEXT_LENGTH);
    }

    /** {@link #encodeBatch(NDManager, List, int)} at CLIP's context length 77. */
    public NDArray encodeBatch(NDManager manager, List<String> texts) {
        return encodeBatch(manager, texts, CONTEXT_LENGTH);
    }

    /** Token ids of {@code texts} as an int64 (N, contextLength) tensor, zero-padded as CLIP's reference does. */
    public NDArray encodeBatch(NDManager manager, List<String> texts, int contextLength) {
        long[] ids = new long[texts.size() * contextLength];
        for (int i = 0; i < texts.size(); i++) {
            int[] t = encode(texts.get(i), contextLength);
            for (int j = 0; j < t.length; j++) {
                ids[i * contextLength + j] = t[j];
            }
        }
        return dev.tbar.util.NDArrays.owned(manager.create(ids, new Shape(texts.size(), contextLength)));
    }

    /** Ids of one pre-tokenised piece; literal special tokens map to themselves, as in the reference. */
    private int[] piece(String piece) {
        if (piece.equals(START) || piece.equals(END)) {
            return new int[] {piece.equals(START) ? startId : endId};
        }
        int[] hit = cache.get(piece);
        if (hit != null) {
            return hit;
        }
        byte[] utf8 = piece.getBytes(StandardCharsets.UTF_8);
        List<String> word = new ArrayList<>(utf8.length);
        for (byte b : utf8) {
            word.add(String.valueOf(BYTE_CHARS[b & 0xff]));
        }
        word.set(word.size() - 1, word.get(word.size() - 1) + WORD_END);
        List<String> symbols = merge(word);
        int[] ids = new int[symbols.size()];
        for (int i = 0; i < ids.length; i++) {
            Integer id = vocab.get(symbols.get(i));
            if (id == null) {
                throw new TbarException("vocab.json has no entry for BPE symbol '" + symbols.get(i)
                        + "' (vocab.json and merges.txt do not belong together)");
            }
            ids[i] = id;
        }
        if (cache.size() >= CACHE_LIMIT) {
            cache.clear(); // bounded memory on endless distinct input; the hot entries return quickly
        }
        cache.put(piece, ids);
        return ids;
    }

    /** Repeatedly merges every occurrence of the lowest-ranked adjacent pair, as CLIP's reference BPE does. */
    private List<String> merge(List<String> word) {
        while (word.size() > 1) {
            int best = Integer.MAX_VALUE;
            String first = null;
            String second = null;
            for (int i = 0; i + 1 < word.size(); i++) {
                Integer r = ranks.get(word.get(i) + " " + word.get(i + 1));
                if (r != null && r < best) {
                    best = r;
                    first = word.get(i);
                    second = word.get(i + 1);
                }
            }
            if (first == null) {
                break;
            }
            List<String> next = new ArrayList<>(word.size());
            for (int i = 0; i < word.size(); i++) {
                if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                    next.add(first + second);
                    i++;
                } else {
                    next.add(word.get(i));
                }
            }
            word = next;
        }
        return word;
    }

    /**
     * GPT-2's reversible byte-to-character table: printable Latin-1 bytes map to themselves, the other 68 bytes to
     * U+0100 onwards, so that BPE never sees whitespace or control characters.
     */
    private static char[] byteChars() {
        char[] out = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
            out[b] = (char) (printable ? b : next++);
        }
        return out;
    }

    private static Map<String, Integer> readVocab(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new TbarException(file + ": CLIP vocabulary file not found (expected vocab.json: token -> id)");
        }
        try {
            Map<String, Integer> v = new ObjectMapper().readValue(file.toFile(), new TypeReference<>() {});
            if (v == null || v.isEmpty()) {
                throw new TbarException(file + ": CLIP vocabulary is empty (expected a JSON object token -> id)");
            }
            return new HashMap<>(v);
        } catch (IOException e) {
            throw new TbarException(file + ": cannot read CLIP vocabulary (expected a JSON object token -> id): "
                    + Errors.reason(e), e);
        }
    }

    private static Map<String, Integer> readMerges(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new TbarException(file + ": CLIP merges file not found (expected merges.txt: one 'a b' pair a line)");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new TbarException(file + ": cannot read CLIP merges: " + Errors.reason(e), e);
        }
        Map<String, Integer> ranks = new HashMap<>(lines.size() * 2);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) {
                continue;
            }
            String[] pair = line.split(" ", -1);
            if (pair.length != 2 || pair[0].isEmpty() || pair[1].isEmpty()) {
                throw new TbarException(file + ": line " + (i + 1) + " is not a merge 'a b': '" + line + "'");
            }
            ranks.putIfAbsent(line, ranks.size());
        }
        if (ranks.isEmpty()) {
            throw new TbarException(file + ": CLIP merges file has no merges");
        }
        return ranks;
    }

    private static int special(Map<String, Integer> vocab, String token, Path file) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new TbarException(file + ": CLIP vocabulary lacks the special token " + token);
        }
        return id;
    }

    @Override
    public String toString() {
        return "ClipTokenizer(" + vocab.size() + " tokens, " + ranks.size() + " merges, start " + startId + ", end "
                + endId + ")";
    }
}
