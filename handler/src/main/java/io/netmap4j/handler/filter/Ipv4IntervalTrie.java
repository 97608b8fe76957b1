package io.netmap4j.handler.filter;

import java.util.Arrays;

/**
 * Which interval of a sorted list of IPv4 bounds holds an address, in one to three array reads
 * (a 16-8-8 multibit trie, as route lookups do) instead of a binary search's eight or more
 * dependent steps. The first level has an entry per /16; a /16 that lies inside one interval
 * holds that interval, any other points to 256 entries for its /24s, and a /24 that still
 * crosses a bound to 256 entries for its addresses. Entries at or above zero are intervals;
 * a negative entry {@code ~start} points to a block of 256 at {@code start}. The table takes
 * 256 KiB for the first level plus 1 KiB per split block: at most two blocks per bound.
 */
final class Ipv4IntervalTrie {
    private static final int BLOCK = 256;

    private final int[] top = new int[1 << 16];
    private int[] blocks = new int[16 * BLOCK];
    private int used;

    /**
     * @param bounds the intervals' first addresses, ascending as unsigned numbers, starting with 0:
     *               interval {@code i} runs from {@code bounds[i]} to just before {@code bounds[i + 1]}
     */
    Ipv4IntervalTrie(int[] bounds) {
        if (bounds.length == 0 || bounds[0] != 0) {
            throw new IllegalArgumentException("the first interval must start at 0.0.0.0");
        }
        for (int high = 0; high < top.length; high++) {
            top[high] = entry(bounds, high << 16, 16);
        }
        blocks = Arrays.copyOf(blocks, used);
    }

    /** The interval holding {@code address}. */
    int find(int address) {
        int e = top[address >>> 16];
        if (e < 0) {
            e = blocks[~e + ((address >>> 8) & 0xff)];
            if (e < 0) {
                e = blocks[~e + (address & 0xff)];
            }
        }
        return e;
    }

    /** The entry for the block of 2^{@code bits} addresses from {@code first}: its interval, or a split. */
    private int entry(int[] bounds, int first, int bits) {
        int last = first + (int) ((1L << bits) - 1);
        int interval = intervalOf(bounds, first);
        if (bits == 0 || interval == intervalOf(bounds, last)) {
            return interval;
        }
        int start = used;
        if (used + BLOCK > blocks.length) {
            blocks = Arrays.copyOf(blocks, blocks.length * 2);
        }
        used += BLOCK;
        int step = 1 << (bits - 8);
        for (int i = 0; i < BLOCK; i++) {
            int e = entry(bounds, first + i * step, bits - 8); // may grow blocks: store after
            blocks[start + i] = e;
        }
        return ~start;
    }

    /** The last bound not above {@code address} (unsigned), by binary search; used while building. */
    private static int intervalOf(int[] bounds, int address) {
        int lo = 0;
        int hi = bounds.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (Integer.compareUnsigned(bounds[mid], address) <= 0) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }
}
