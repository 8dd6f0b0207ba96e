package dev.tbar.util;

import java.io.EOFException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * The short reason that follows a file or option name in tbar's one-line errors. Library messages can be null (a
 * truncated gzip stream), bare paths (a missing file) or pages of native trace (a corrupt TorchScript program).
 */
public final class Errors {
    /** Longer reasons are cut: a hostile file must not be able to make the error line megabytes long. */
    static final int MAX_CHARS = 400;

    private Errors() {}

    /** One line saying what went wrong, never empty and never "null". */
    public static String reason(Throwable e) {
        String m = e.getMessage() == null ? "" : firstLine(e.getMessage());
        if (e instanceof NoSuchFileException) {
            return "no such file" + (m.isEmpty() ? "" : ": " + m);
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied" + (m.isEmpty() ? "" : ": " + m);
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory" + (m.isEmpty() ? "" : ": " + m);
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists" + (m.isEmpty() ? "" : ": " + m);
        }
        if (!m.isEmpty()) {
            return m;
        }
        if (e instanceof EOFException) {
            return "unexpected end of file (truncated?)";
        }
        Throwable inner = e.getCause();
        for (int depth = 0; inner != null && depth < 20; depth++, inner = inner.getCause()) { // causes may cycle
            if (inner.getMessage() != null && !inner.getMessage().isBlank()) {
                return reason(inner);
            }
        }
        return e.getClass().getSimpleName();
    }

    /** The first non-blank line of {@code s}, trimmed and cut to {@value #MAX_CHARS} characters. */
    public static String firstLine(String s) {
        String t = s.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("");
        return t.length() <= MAX_CHARS ? t : t.substring(0, MAX_CHARS) + "... (" + t.length() + " chars)";
    }

    /**
     * {@code s} as it may appear inside an error line: control and unprintable characters escaped, cut to {@code max}
     * characters. For strings that come from the file itself (pickle strings, tensor names).
     */
    public static String printable(String s, int max) {
        StringBuilder b = new StringBuilder();
        int i = 0;
        for (; i < s.length() && b.length() < max; i++) {
            char c = s.charAt(i);
            boolean plain = !Character.isISOControl(c) && Character.isDefined(c) && !Character.isSurrogate(c)
                    && Character.getType(c) != Character.PRIVATE_USE;
            b.append(plain ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return i < s.length() ? b + "..." : b.toString();
    }
}
