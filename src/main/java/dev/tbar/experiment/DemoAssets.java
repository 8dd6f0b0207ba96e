package dev.tbar.experiment;

import dev.tbar.TbarException;
import dev.tbar.util.Download;
import dev.tbar.util.Errors;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Function;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the demo needs from the internet on first use, each file with its published checksum, kept in a cache so
 * that later runs are offline: CIFAR-10's binary release and the pretrained ResNet-20 of akamaster's CIFAR ResNets.
 */
public final class DemoAssets {
    private static final Logger LOG = LoggerFactory.getLogger(DemoAssets.class);

    /** A file to cache under {@code name}, fetched from {@code url}, with its published digest. */
    public record Asset(String name, String url, String algorithm, String digest) {}

    public static final Asset CIFAR10 = new Asset("cifar-10-binary.tar.gz",
            "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", "MD5", "c32a1d4ab5d03f1284b67883e8d87530");

    public static final Asset RESNET20 = new Asset("resnet20-12fca82f.th",
            "https://github.com/akamaster/pytorch_resnet_cifar10/raw/master/pretrained_models/resnet20-12fca82f.th",
            "SHA-256", "12fca82f0bebc4135bf1f32f6e3710e61d5108578464b84fd6d7f5c1b04036c8");

    private DemoAssets() {}

    /** {@code $TBAR_CACHE}, else {@code $XDG_CACHE_HOME/tbar}, else {@code ~/.cache/tbar}. */
    public static Path cacheDir(Map<String, String> env) {
        String dir = env.get("TBAR_CACHE");
        if (dir != null && !dir.isBlank()) {
            return Path.of(dir);
        }
        String xdg = env.get("XDG_CACHE_HOME");
        return (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache"))
                .resolve("tbar");
    }

    /**
     * The cached copy of {@code asset} in {@code cache}, verified; downloaded first when absent or corrupt.
     * {@code url} maps the asset to where it is fetched from (its own URL, or a mirror). Throws
     * {@link Download.Unreachable} when the server cannot be reached, a {@link TbarException} naming the URL and the
     * cache path on any other failure.
     */
    public static Path ensure(Asset asset, Path cache, Function<Asset, String> url, Duration timeout) {
        Path file = cache.resolve(asset.name());
        if (Files.isRegularFile(file)) {
            if (digest(file, asset.algorithm()).equalsIgnoreCase(asset.digest())) {
                return file;
            }
            LOG.warn("{}: cached copy does not match its {} {}: downloading it again", file, asset.algorithm(),
                    asset.digest());
        }
        String from = url.apply(asset);
        LOG.info("downloading {} into {}", from, file);
        try (Bar bar = new Bar(asset.name())) {
            Download.fetch(new Download.Source(URI.create(from), asset.algorithm(), asset.digest()), file, timeout,
                    bar::update);
        }
        return file;
    }

    /** The asset's own URL, or {@code mirror} (a base URL) followed by its file name. */
    public static Function<Asset, String> source(String mirror) {
        if (mirror == null || mirror.isBlank()) {
            return Asset::url;
        }
        String base = mirror.endsWith("/") ? mirror : mirror + "/";
        return a -> base + a.name();
    }

    private static String digest(Path file, String algorithm) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance(algorithm))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new TbarException(file + ": cannot read the cached file: " + Errors.reason(e), e);
        }
    }

    /** A terminal bar in MiB with speed and ETA, or a log line every 10 s when output is not a terminal. */
    private static final class Bar implements AutoCloseable {
        private final String task;
        private ProgressBar bar;
        private long lastLog = System.nanoTime();

        Bar(String task) {
            this.task = task;
        }

        void update(long sofar, long total) {
            if (System.console() != null) {
                if (bar == null) {
                    bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(total < 0 ? -1 : total)
                            .setStyle(ProgressBarStyle.ASCII).setUnit(" MiB", 1 << 20).showSpeed().build();
                }
                bar.stepTo(sofar);
            } else if (System.nanoTime() - lastLog > 10_000_000_000L) {
                lastLog = System.nanoTime();
                LOG.info("{}: {} of {} MiB", task, sofar >> 20, total < 0 ? "?" : Long.toString(total >> 20));
            }
        }

        @Override
        public void close() {
            if (bar != null) {
                bar.close();
            }
        }
    }
}
