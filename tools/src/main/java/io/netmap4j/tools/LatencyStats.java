package io.netmap4j.tools;

import java.util.Locale;

/**
 * Round-trip times in a log-linear histogram: exact below 64 ns, then 32 buckets per power of
 * two (about 3% resolution), so percentiles cost a fixed 15 KB whatever the run length. Written
 * by the event loop, read by the reporting thread; both sides lock, which costs little at the
 * rate of round trips.
 */
final class LatencyStats {
    private static final int SUB_BITS = 5;
    private static final int SUB = 1 << SUB_BITS;
    private static final int LINEAR = 2 * SUB;
    private static final int BUCKETS = LINEAR + (63 - SUB_BITS) * SUB;

    private final long[] counts = new long[BUCKETS];
    private long total;
    private long sum;
    private long min = Long.MAX_VALUE;
    private long max;
    private long intervalCount;
    private long intervalSum;
    private long intervalMin = Long.MAX_VALUE;
    private long intervalMax;

    static int bucket(long nanos) {
        if (nanos < LINEAR) {
            return (int) Math.max(nanos, 0);
        }
        int shift = 63 - Long.numberOfLeadingZeros(nanos) - SUB_BITS;
        return LINEAR + (shift - 1) * SUB + (int) (nanos >>> shift) - SUB;
    }

    /** The smallest value that falls in bucket {@code b}. */
    static long lowerBound(int b) {
        if (b < LINEAR) {
            return b;
        }
        int shift = (b - LINEAR) / SUB + 1;
        long mantissa = (b - LINEAR) % SUB + SUB;
        return mantissa << shift;
    }

    synchronized void record(long nanos) {
        counts[bucket(nanos)]++;
        total++;
        sum += nanos;
        min = Math.min(min, nanos);
        max = Math.max(max, nanos);
        intervalCount++;
        intervalSum += nanos;
        intervalMin = Math.min(intervalMin, nanos);
        intervalMax = Math.max(intervalMax, nanos);
    }

    synchronized long count() {
        return total;
    }

    /** The value below which {@code fraction} of the samples fall (bucket resolution). */
    synchronized long percentile(double fraction) {
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(fraction * total);
        long seen = 0;
        for (int b = 0; b < BUCKETS; b++) {
            seen += counts[b];
            if (seen >= rank && counts[b] > 0) {
                return Math.min(Math.max(lowerBound(b), min), max);
            }
        }
        return max;
    }

    /** min/avg/max of the samples since the previous call, in microseconds. */
    synchronized String interval() {
        String s = intervalCount == 0 ? "no replies"
                : String.format(Locale.ROOT, "RTT min %.2f avg %.2f max %.2f us", intervalMin / 1e3,
                        intervalSum / 1e3 / intervalCount, intervalMax / 1e3);
        intervalCount = 0;
        intervalSum = 0;
        intervalMin = Long.MAX_VALUE;
        intervalMax = 0;
        return s;
    }

    synchronized String summary() {
        if (total == 0) {
            return "no replies";
        }
        return String.format(Locale.ROOT, "RTT min %.2f avg %.2f p50 %.2f p99 %.2f p99.9 %.2f max %.2f us",
                min / 1e3, sum / 1e3 / total, percentile(0.5) / 1e3, percentile(0.99) / 1e3,
                percentile(0.999) / 1e3, max / 1e3);
    }
}
