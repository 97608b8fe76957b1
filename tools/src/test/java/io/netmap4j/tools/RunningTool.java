package io.netmap4j.tools;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tool that runs until stopped (filter, lb), on a thread of its own, as a test drives it:
 * {@link #start} returns once its ports are open, {@link #stop} ends it and returns its result;
 * {@link #report} is everything it printed.
 */
final class RunningTool<R> {
    /** A tool's {@code execute(args, out, err, handleSignals, ready)}. */
    interface Main<R> {
        R execute(String[] args, PrintStream out, PrintStream err, boolean handleSignals, Consumer<Runnable> ready);
    }

    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final AtomicReference<Runnable> stopper = new AtomicReference<>();
    private final CompletableFuture<R> result;

    private RunningTool(Main<R> main, String... args) {
        PrintStream print = new PrintStream(output, true, StandardCharsets.UTF_8);
        CountDownLatch ready = new CountDownLatch(1);
        result = CompletableFuture.supplyAsync(() -> main.execute(args, print, print, false, s -> {
            stopper.set(s);
            ready.countDown();
        }));
        try {
            assertTrue(ready.await(20, TimeUnit.SECONDS) || result.isDone(), "the tool did not open its ports: " + report());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Starts the tool and waits until its ports are open (or it ended, for instance on a bad argument). */
    static <R> RunningTool<R> start(Main<R> main, String... args) {
        return new RunningTool<>(main, args);
    }

    /** Stops the tool and returns its result. */
    R stop() throws Exception {
        Runnable s = stopper.get();
        if (s != null) {
            s.run();
        }
        return result.get(20, TimeUnit.SECONDS);
    }

    /** What the tool printed so far. */
    String report() {
        return output.toString(StandardCharsets.UTF_8);
    }
}
