package io.netmap4j.handler.pcap;

import java.time.Instant;

/**
 * Nanoseconds since the epoch without an allocation per reading: the monotonic clock offset by
 * an anchor on the wall clock, re-anchored once a second so that it follows wall-clock steps.
 */
final class WallClock {
    private static final long REANCHOR_NANOS = 1_000_000_000L;

    private long anchorWall;
    private long anchorMono = Long.MIN_VALUE;

    long epochNanos() {
        long mono = System.nanoTime();
        if (anchorMono == Long.MIN_VALUE || mono - anchorMono > REANCHOR_NANOS) {
            Instant now = Instant.now();
            anchorWall = now.getEpochSecond() * 1_000_000_000L + now.getNano();
            anchorMono = mono;
            return anchorWall;
        }
        return anchorWall + (mono - anchorMono);
    }
}
