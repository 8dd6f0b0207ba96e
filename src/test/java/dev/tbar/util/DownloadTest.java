package dev.tbar.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.tbar.TbarException;
import dev.tbar.experiment.DemoAssets;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads against a real HTTP server on loopback: good, redirected, corrupt, truncated, missing, refused. */
class DownloadTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    @TempDir
    Path dir;

    private HttpServer server;
    private final byte[] body = new byte[300_000];
    private final AtomicInteger hits = new AtomicInteger();
    private String sha256;

    @BeforeEach
    void start() throws Exception {
        new SplittableRandom(1).nextBytes(body);
        sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/file.bin", x -> {
            hits.incrementAndGet();
            x.sendResponseHeaders(200, body.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(body);
            }
        });
        server.createContext("/moved", x -> {
            x.getResponseHeaders().add("Location", url("/file.bin"));
            x.sendResponseHeaders(302, -1);
            x.close();
        });
        server.createContext("/short", x -> {
            x.sendResponseHeaders(200, body.length);
            OutputStream o = x.getResponseBody();
            o.write(body, 0, body.length / 2);
            o.flush();
            try {
                o.close();
            } catch (IOException expected) {
                // the server notices the missing bytes and closes the connection
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    private Download.Source source(String path, String digest) {
        return new Download.Source(URI.create(url(path)), "SHA-256", digest);
    }

    @Test
    void aGoodFileArrivesVerifiedEvenThroughARedirect() throws IOException {
        Path a = dir.resolve("a.bin");
        long[] last = {0};
        Download.fetch(source("/file.bin", sha256), a, TIMEOUT, (sofar, total) -> last[0] = sofar);
        assertArrayEquals(body, Files.readAllBytes(a));
        assertEquals(body.length, last[0]);
        Path b = dir.resolve("b.bin");
        Download.fetch(source("/moved", sha256), b, TIMEOUT, Download.Progress.none());
        assertArrayEquals(body, Files.readAllBytes(b));
        assertOnly("a.bin", "b.bin");
    }

    @Test
    void aChecksumMismatchKeepsNothingAndNamesUrlAndTarget() throws IOException {
        Path a = dir.resolve("a.bin");
        String wrong = "00".repeat(32);
        TbarException e = assertThrows(TbarException.class,
                () -> Download.fetch(source("/file.bin", wrong), a, TIMEOUT, Download.Progress.none()));
        assertTrue(e.getMessage().contains(url("/file.bin")) && e.getMessage().contains(a.toString())
                && e.getMessage().contains(sha256) && e.getMessage().contains(wrong), e.getMessage());
        assertOnly();
    }

    @Test
    void aTruncatedBodyKeepsNothing() throws IOException {
        Path a = dir.resolve("a.bin");
        TbarException e = assertThrows(TbarException.class,
                () -> Download.fetch(source("/short", sha256), a, TIMEOUT, Download.Progress.none()));
        assertTrue(e.getMessage().contains(url("/short")), e.getMessage());
        assertOnly();
    }

    @Test
    void aMissingFileIsAnHttpError() throws IOException {
        TbarException e = assertThrows(TbarException.class, () -> Download.fetch(source("/nothing", sha256),
                dir.resolve("a.bin"), TIMEOUT, Download.Progress.none()));
        assertTrue(e.getMessage().contains("HTTP 404") && e.getMessage().contains(url("/nothing")), e.getMessage());
        assertTrue(!(e instanceof Download.Unreachable));
        assertOnly();
    }

    @Test
    void aRefusedConnectionIsUnreachable() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Download.Source src = new Download.Source(URI.create("http://127.0.0.1:" + port + "/x"), "SHA-256", sha256);
        assertThrows(Download.Unreachable.class,
                () -> Download.fetch(src, dir.resolve("a.bin"), TIMEOUT, Download.Progress.none()));
        assertOnly();
    }

    @Test
    void theCacheIsReusedWhenItsChecksumHoldsAndRefetchedWhenNot() throws IOException {
        DemoAssets.Asset asset = new DemoAssets.Asset("file.bin", url("/file.bin"), "SHA-256", sha256);
        Path cache = dir.resolve("cache");
        var own = DemoAssets.source(null);
        Path f = DemoAssets.ensure(asset, cache, own, TIMEOUT);
        assertEquals(1, hits.get());
        assertEquals(f, DemoAssets.ensure(asset, cache, own, TIMEOUT));
        assertEquals(1, hits.get(), "a verified cached copy is used as is");
        Files.write(f, new byte[] {1, 2, 3});
        DemoAssets.ensure(asset, cache, own, TIMEOUT);
        assertEquals(2, hits.get());
        assertArrayEquals(body, Files.readAllBytes(f));
        // a mirror serves the same file names
        DemoAssets.Asset elsewhere = new DemoAssets.Asset("file.bin", "http://127.0.0.1:1/none", "SHA-256", sha256);
        Files.delete(f);
        DemoAssets.ensure(elsewhere, cache, DemoAssets.source(url("/")), TIMEOUT);
        assertEquals(3, hits.get());
    }

    @Test
    void theCacheDirectoryFollowsTheEnvironment() {
        assertEquals(Path.of("/x/c"), DemoAssets.cacheDir(Map.of("TBAR_CACHE", "/x/c")));
        assertEquals(Path.of("/y/tbar"), DemoAssets.cacheDir(Map.of("XDG_CACHE_HOME", "/y")));
        assertEquals(Path.of(System.getProperty("user.home"), ".cache", "tbar"), DemoAssets.cacheDir(Map.of()));
    }

    private void assertOnly(String... names) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(java.util.Set.of(names), s.map(p -> p.getFileName().toString())
                    .collect(java.util.stream.Collectors.toSet()));
        }
    }
}
