package dev.tbar.train;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's autograd switch, which is per thread: DJL turns it off only on the thread that started the engine, and
 * a closed GradientCollector restores whatever that thread had. Optimizer updates must run with it off (in-place
 * changes to leaves that require grad are refused otherwise), so the loop switches it explicitly.
 */
final class GradMode {
    private GradMode() {}

    /** Turns recording off on this thread until the returned handle is closed, which restores the previous mode. */
    static AutoCloseableNoThrow disabled() {
        if (!"PyTorch".equals(Engine.getInstance().getEngineName())) {
            return () -> {};
        }
        boolean previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        return () -> JniUtils.setGradMode(previous);
    }

    /** An AutoCloseable whose close() throws nothing. */
    interface AutoCloseableNoThrow extends AutoCloseable {
        @Override
        void close();
    }
}
