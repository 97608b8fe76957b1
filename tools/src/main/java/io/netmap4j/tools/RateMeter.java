package io.netmap4j.tools;

import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts frames and bytes from any thread and gives, once a second, the rate of the last second,
 * and at the end the totals. Counting is an add per batch, not per frame, so the meter does not
 * slow down what it measures.
 */
public final class RateMeter {
    /** Preamble and start delimiter (8), FCS (4) and the minimum inter-frame gap (12). */
    static final int WIRE_OVERHEAD = 24;

    private final String label;
    private final LongAdder frames = new LongAdder();
    private final LongAdder bytes = new LongAdder();
    private volatile long lastAddNanos;
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
        lastAddNanos = System.nanoTime();
    }

    public long frames() {
        return frames.sum();
    }

    public long bytes() {
        return bytes.sum();
    }

    /** When the last batch was counted ({@code System.nanoTime()}), 0 if none was. */
    public long lastAddNanos() {
        return lastAddNanos;
    }

    public void start(long nowNanos) {
        lastNanos = nowNanos;
    }

    /** The rate since the previous call, as one line. */
    public String tick(long nowNanos) {
        long f = frames.sum();
        long b = bytes.sum();
        String line = format(label, f - lastFrames, b - lastBytes, (nowNanos - lastNanos) / 1e9);
        lastNanos = nowNanos;
        lastFrames = f;
        lastBytes = b;
        return line;
    }

    /** Frames per second since the previous call. */
    public double tickRate(long nowNanos) {
        long f = frames.sum();
        double secs = (nowNanos - lastNanos) / 1e9;
        double r = secs > 0 ? (f - lastFrames) / secs : 0;
        lastNanos = nowNanos;
        lastFrames = f;
        lastBytes = bytes.sum();
        return r;
    }

    /** "label  12.345 Mpps   5.926 Gbps": frames per second and bits per second of frame data (no FCS). */
    static String format(String label, long frames, long bytes, double secs) {
        double fps = secs > 0 ? frames / secs : 0;
        double bps = secs > 0 ? bytes * 8 / secs : 0;
        return String.format(Locale.ROOT, "%s %8.3f Mpps %7.3f Gbps", label, fps / 1e6, bps / 1e9);
    }

    /** The totals over {@code secs} seconds, with the rate a wire would need (FCS, preamble and gap added). */
    String summary(double secs) {
        long f = frames.sum();
        long b = bytes.sum();
        double wire = secs > 0 ? (b + f * (double) WIRE_OVERHEAD) * 8 / secs : 0;
        return String.format(Locale.ROOT, "%s %d frames, %d bytes in %.3f s: %s, %.3f Gbps on the wire", label, f, b,
                secs, format("", f, b, secs).strip(), wire / 1e9);
    }
}
