package io.netmap4j.tools;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LatencyStatsTest {
    @Test
    void bucketsAreMonotoneAndTheirBoundsRoundTrip() {
        int previous = -1;
        for (long v = 0; v < 1L << 40; v = v < 200 ? v + 1 : v + v / 7) {
            int b = LatencyStats.bucket(v);
            assertTrue(b >= previous, "bucket of " + v);
            long low = LatencyStats.lowerBound(b);
            assertTrue(low <= v && v - low <= Math.max(1, v / 32), v + " in bucket from " + low);
            assertEquals(b, LatencyStats.bucket(low));
            previous = b;
        }
        assertEquals(Long.MAX_VALUE >>> 57 << 57, LatencyStats.lowerBound(LatencyStats.bucket(Long.MAX_VALUE)));
    }

    @Test
    void percentilesOfAKnownSpread() {
        LatencyStats s = new LatencyStats();
        for (int i = 1; i <= 1000; i++) {
            s.record(i * 1000L);
        }
        assertEquals(1000, s.count());
        long p50 = s.percentile(0.5);
        long p99 = s.percentile(0.99);
        assertTrue(Math.abs(p50 - 500_000) <= 500_000 / 32, "p50 " + p50);
        assertTrue(Math.abs(p99 - 990_000) <= 990_000 / 32, "p99 " + p99);
        assertEquals(1_000_000, s.percentile(1.0), 1_000_000 / 32.0);
    }
}
