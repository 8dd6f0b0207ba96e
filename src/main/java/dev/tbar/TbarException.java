package dev.tbar;

import dev.tbar.util.Errors;

/**
 * A problem with the user's input (a file, a key, an option) that tbar reports as one clear message and a non-zero
 * exit, without a stack trace. Messages name the offending thing and what was expected; they are always one line,
 * because names quoted from a hostile file may hold newlines or control characters (escaped here).
 */
public class TbarException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TbarException(String message) {
        super(Errors.printable(String.valueOf(message), Integer.MAX_VALUE));
    }

    public TbarException(String message, Throwable cause) {
        super(Errors.printable(String.valueOf(message), Integer.MAX_VALUE), cause);
    }
}
