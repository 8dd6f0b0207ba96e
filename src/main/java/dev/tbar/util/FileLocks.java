package dev.tbar.util;

import dev.tbar.TbarException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Advisory locks between processes that share a folder (parallel benchmark cells). A file system that has no locks
 * (some cluster mounts) gets a warning and no lock: the files are still written atomically, so the worst case is
 * work done twice, never a corrupt file.
 */
public final class FileLocks {
    private static final Logger LOG = LoggerFactory.getLogger(FileLocks.class);

    /** A lock held until closed. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    private FileLocks() {}

    /** Waits for the lock on {@code file} (created if missing). */
    public static Held lock(Path file) {
        return acquire(file, true);
    }

    /** The lock on {@code file} if no other process holds it, else null. */
    public static Held tryLock(Path file) {
        return acquire(file, false);
    }

    private static Held acquire(Path file, boolean wait) {
        FileChannel ch;
        try {
            Files.createDirectories(file.getParent());
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new TbarException(file + ": cannot create a lock file: " + Errors.reason(e), e);
        }
        try {
            FileLock lock = wait ? ch.lock() : ch.tryLock();
            if (lock == null) {
                close(ch);
                return null;
            }
            return () -> close(ch);
        } catch (OverlappingFileLockException e) { // held by this very process
            close(ch);
            if (wait) {
                throw new IllegalStateException(file + ": locked twice by one process", e);
            }
            return null;
        } catch (IOException e) {
            LOG.warn("{}: this file system does not lock ({}); going on without the lock", file, Errors.reason(e));
            return () -> close(ch);
        }
    }

    private static void close(FileChannel ch) {
        try {
            ch.close(); // releases the lock
        } catch (IOException e) {
            LOG.warn("cannot close a lock file: {}", Errors.reason(e));
        }
    }
}
