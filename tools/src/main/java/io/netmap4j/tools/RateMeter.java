package io.netmap4j.tools;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts frames and bytes from any thread and prints, once a second, the rate of the last
 * second; at the end, a summary over the whole run. Counting is a LongAdder add per batch,
 * not per frame, so the meter does not slow down what it measures.
 */
public final class RateMeter {
    private final String label;
    private final LongAdder frames = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private long startNanos;
    private long lastNanos;
    private long lastFrames;
    private long lastBytes;

    public RateMeter(String label) {
        this.label = label;
    }

    /** Adds a batch of {@code n} frames of {@code totalBytes} bytes in all. */
    public void add(long n, long totalBytes) {
        frames.add(n);
        bytes.add(totalBytes);
    }

    /** Counts a frame that arrived damaged, out of order or was lost. */
    public void error(long n) {
        errors.add(n);
    }

    public long frames() {
        return frames.sum();
    }

    public long bytes() {
        return bytes.sum();
    }

    public long errors() {
        return errors.sum();
    }

    public void start(long nowNanos) {
        startNanos = nowNanos;
        lastNanos = nowNanos;
    }

    /** One line with the rate since the previous call. */
    public String tick(long nowNanos) {
        long f = frames.sum();
        long b = bytes.sum();
        double secs = (nowNanos - lastNanos) / 1e9;
        String line = format(label, f - lastFrames, b - lastBytes, secs);
        lastNanos = nowNanos;
        lastFrames = f;
        lastBytes = b;
        return line;
    }

    /** The summary over the whole run. */
    public String summary(long nowNanos) {
        return format(label + " total", frames.sum(), bytes.sum(), (nowNanos - startNanos) / 1e9)
                + String.format(Locale.ROOT, ", %d frames in %.2f s, %d errors", frames.sum(),
                        (nowNanos - startNanos) / 1e9, errors.sum());
    }

    static String format(String label, long frames, long bytes, double secs) {
        double fps = secs > 0 ? frames / secs : 0;
        double bps = secs > 0 ? bytes * 8 / secs : 0;
        return String.format(Locale.ROOT, "%-9s %10.3f Mpps %9.3f Gbps (frames without FCS)", label, fps / 1e6, bps / 1e9);
    }
}
