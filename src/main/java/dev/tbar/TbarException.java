package dev.tbar;

/**
 * A problem with the user's input (a file, a key, an option) that tbar reports as one clear message and a non-zero
 * exit, without a stack trace. Messages name the offending thing and what was expected.
 */
public class TbarException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TbarException(String message) {
        super(message);
    }

    public TbarException(String message, Throwable cause) {
        super(message, cause);
    }
}
