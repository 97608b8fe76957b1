package io.netmap4j.tools;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/** What the command-line tools share: one-line logs, and Ctrl-C that ends a run with its summary. */
final class ToolRun {
    private ToolRun() {
    }

    /** One line per log record (the backend choice), not java.util.logging's two-line default. */
    static void oneLineLogs() {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%4$s: %5$s%6$s%n");
        }
    }

    /**
     * Runs {@code run}; with {@code handleSignals}, Ctrl-C sets {@code stop} and the JVM waits up
     * to 3 seconds for the run to end (and print its summary) before it goes.
     */
    static <T> T untilStopped(String tool, AtomicBoolean stop, boolean handleSignals, Supplier<T> run) {
        Thread hook = null;
        CountDownLatch done = new CountDownLatch(1);
        if (handleSignals) {
            hook = new Thread(() -> {
                stop.set(true);
                try {
                    done.await(3, TimeUnit.SECONDS);
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }, tool + "-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
        }
        try {
            return run.get();
        } finally {
            done.countDown();
            if (hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException ignored) {
                    // the JVM is already shutting down
                }
            }
        }
    }
}
