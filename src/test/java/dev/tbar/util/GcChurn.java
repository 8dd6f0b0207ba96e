package dev.tbar.util;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Provokes what a busy JVM does at random moments: a garbage collection that frees unreachable direct buffers, then
 * fresh small direct buffers that reuse (and overwrite) that memory. A tensor still reading a freed Java buffer then
 * sees {@link #FILL} or allocator bookkeeping instead of its value. As a resource, churns on a daemon thread.
 */
public final class GcChurn implements AutoCloseable {
    /** What reused memory is overwritten with. */
    public static final float FILL = 12345f;

    private final Thread thread;

    private GcChurn() {
        thread = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                once();
            }
        }, "gc-churn");
        thread.setDaemon(true);
        thread.start();
    }

    /** Churns in the background until closed. */
    public static GcChurn start() {
        return new GcChurn();
    }

    /** One collection, a pause for the cleaner thread to free buffers, then small buffers filled with FILL. */
    public static void once() {
        System.gc();
        try {
            Thread.sleep(20);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        ByteBuffer[] keep = new ByteBuffer[1000];
        for (int i = 0; i < keep.length; i++) {
            keep[i] = ByteBuffer.allocateDirect(4 * (1 + i % 8)).order(ByteOrder.nativeOrder());
            while (keep[i].remaining() >= 4) {
                keep[i].putFloat(FILL);
            }
        }
    }

    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
