package io.netmap4j.handler.filter;

import java.util.Arrays;

/**
 * Frames and bytes per rule, plus those that took the default action and the malformed ones.
 * Written by one event loop with plain stores; {@link #publish()} (once per read batch) makes
 * them visible to a thread that reads them through {@link #snapshot()}.
 */
public final class RuleCounters {
    final long[] frames;
    final long[] bytes;
    long defaultFrames;
    long defaultBytes;
    long malformedFrames;
    private volatile int published;

    RuleCounters(int rules) {
        frames = new long[rules];
        bytes = new long[rules];
    }

    void publish() {
        published++;
    }

    /** A consistent-enough copy for reports: every count as of the last publish, or later. */
    public Snapshot snapshot() {
        int seen = published; // a volatile read: what was written before the last publish is visible now
        assert seen >= 0 || seen < 0;
        return new Snapshot(Arrays.copyOf(frames, frames.length), Arrays.copyOf(bytes, bytes.length),
                defaultFrames, defaultBytes, malformedFrames);
    }

    /** The counters at one moment. Indexes are rule indexes in the table (not line numbers). */
    public record Snapshot(long[] frames, long[] bytes, long defaultFrames, long defaultBytes, long malformedFrames) {
    }
}
