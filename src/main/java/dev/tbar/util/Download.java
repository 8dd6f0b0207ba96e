package dev.tbar.util;

import dev.tbar.TbarException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Fetches a published file into place: streamed over HTTP(S) (redirects followed) into a temporary sibling, checked against its
 * published checksum, then moved atomically, so that the target is either absent or complete and verified.
 */
public final class Download {
    /** A file at {@code uri} whose {@code algorithm} digest (e.g. MD5, SHA-256) is {@code digest}, in hex. */
    public record Source(URI uri, String algorithm, String digest) {}

    /** The server could not be reached at all (no network, refused, timed out): the caller may fall back. */
    public static final class Unreachable extends TbarException {
        private static final long serialVersionUID = 1L;

        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private Download() {}

    /**
     * Downloads {@code source} to {@code target} (replacing nothing: the caller checks for a cached copy first),
     * reporting bytes so far to {@code progress} (total = -1 when the server does not say). Fails with a message
     * naming the URL and the target on an HTTP error, a short body or a checksum mismatch.
     */
    public static void fetch(Source source, Path target, Duration timeout, Progress progress) {
        String where = source.uri() + " -> " + target;
        HttpURLConnection http;
        InputStream body;
        try {
            http = (HttpURLConnection) source.uri().toURL().openConnection();
            http.setConnectTimeout((int) timeout.toMillis());
            http.setReadTimeout((int) timeout.toMillis()); // a stalled transfer fails instead of hanging
            http.setInstanceFollowRedirects(true);
            int status = http.getResponseCode();
            if (status != 200) {
                http.disconnect();
                throw new TbarException("download failed: " + where + ": HTTP " + status);
            }
            body = http.getInputStream();
        } catch (ConnectException | UnknownHostException | NoRouteToHostException e) {
            throw new Unreachable("cannot reach " + source.uri() + " (" + describe(e) + ")", e);
        } catch (SocketTimeoutException e) {
            throw new Unreachable("no answer from " + source.uri() + " within " + timeout.toSeconds() + " s", e);
        } catch (IOException | IllegalArgumentException | ClassCastException e) {
            throw new TbarException("download failed: " + where + ": " + describe(e), e);
        }
        long total = http.getContentLengthLong();
        Path tmp = null;
        try (InputStream in = body) {
            MessageDigest md = digest(source.algorithm());
            Path dir = target.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            tmp = Files.createTempFile(dir, "." + target.getFileName(), ".part");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                copy(new DigestInputStream(in, md), out, total, progress);
            }
            String actual = HexFormat.of().formatHex(md.digest());
            if (!actual.equalsIgnoreCase(source.digest())) {
                throw new TbarException("download failed: " + where + ": its " + source.algorithm() + " is " + actual
                        + ", the published one is " + source.digest().toLowerCase(Locale.ROOT)
                        + " (a corrupt or changed file; nothing was kept)");
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (SocketTimeoutException e) {
            throw new TbarException("download stalled: " + where + ": no data for " + timeout.toSeconds() + " s", e);
        } catch (IOException e) {
            throw new TbarException("download failed: " + where + ": " + describe(e), e);
        } finally {
            http.disconnect();
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a hidden .part file, named after the target
                }
            }
        }
    }

    private static void copy(InputStream in, OutputStream out, long total, Progress progress) throws IOException {
        byte[] buf = new byte[1 << 16];
        long got = 0;
        for (int n; (n = in.read(buf)) >= 0; ) {
            out.write(buf, 0, n);
            got += n;
            progress.bytes(got, total);
        }
        if (total >= 0 && got != total) {
            throw new IOException("the body ended after " + got + " of " + total + " bytes");
        }
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("unknown digest algorithm " + algorithm, e);
        }
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** Receives the bytes downloaded so far and the total (-1 when unknown). */
    @FunctionalInterface
    public interface Progress {
        void bytes(long sofar, long total);

        static Progress none() {
            return (a, b) -> {};
        }
    }
}
