package dev.tbar.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tbar.TbarException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;

/** The pieces of tbar's one-line errors: reasons from library exceptions, and names quoted from hostile files. */
class ErrorsTest {
    @Test
    void reasonsAreOneNonEmptyLine() {
        assertEquals("unexpected end of file (truncated?)", Errors.reason(new EOFException()));
        assertEquals("no such file: /x/y.th", Errors.reason(new NoSuchFileException("/x/y.th")));
        assertEquals("first", Errors.reason(new IOException("\n  first\nsecond\n")));
        assertEquals("inner", Errors.reason(new IOException(null, new IllegalStateException("inner"))));
        assertEquals("IllegalStateException", Errors.reason(new IllegalStateException()));
        String huge = Errors.reason(new IOException("x".repeat(1_000_000)));
        assertTrue(huge.length() < 450 && huge.endsWith("(1000000 chars)"), huge);
    }

    @Test
    void quotedNamesCannotBreakTheLine() {
        assertEquals("a\\u000ab\\u0000", Errors.printable("a\nb\0", 100));
        assertEquals("abc...", Errors.printable("abcdef", 3));
        assertEquals("caf\u00e9 \u4e2d", Errors.printable("caf\u00e9 \u4e2d", 100));
        assertEquals("tensor 'w\\u000d\\u000aevil' is bad", new TbarException("tensor 'w\r\nevil' is bad").getMessage());
    }
}
