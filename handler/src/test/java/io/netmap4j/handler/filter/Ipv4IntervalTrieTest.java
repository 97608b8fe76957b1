package io.netmap4j.handler.filter;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The trie finds the same interval as a plain search of the bounds, at and around every bound. */
class Ipv4IntervalTrieTest {

    /** The reference: the last bound not above the address, compared unsigned, by a linear scan. */
    private static int reference(int[] bounds, int address) {
        int found = 0;
        for (int i = 0; i < bounds.length; i++) {
            if (Integer.compareUnsigned(bounds[i], address) <= 0) {
                found = i;
            }
        }
        return found;
    }

    private static void check(int[] bounds, Random r) {
        Ipv4IntervalTrie trie = new Ipv4IntervalTrie(bounds);
        int[] probes = {0, 1, -1, -2, 0x7fffffff, 0x80000000, 0x80000001, 0x0000ffff, 0x00010000};
        for (int a : probes) {
            assertEquals(reference(bounds, a), trie.find(a), () -> "address " + Integer.toUnsignedString(a));
        }
        for (int b : bounds) {
            for (int d = -2; d <= 2; d++) {
                int a = b + d;
                assertEquals(reference(bounds, a), trie.find(a), () -> "address " + Integer.toUnsignedString(a)
                        + " near bound " + Integer.toUnsignedString(b) + " of " + Arrays.toString(bounds));
            }
        }
        for (int i = 0; i < 2000; i++) {
            int a = r.nextInt();
            assertEquals(reference(bounds, a), trie.find(a), () -> "address " + Integer.toUnsignedString(a));
        }
    }

    private static int[] sorted(TreeSet<Long> unsigned) {
        unsigned.add(0L);
        return unsigned.stream().mapToInt(Long::intValue).toArray();
    }

    @Test
    void findsTheIntervalOfEveryAddressLikeAScan() {
        Random r = new Random(11);
        check(new int[] {0}, r);
        check(new int[] {0, -1}, r); // the last address alone
        for (int round = 0; round < 30; round++) {
            TreeSet<Long> bounds = new TreeSet<>();
            int n = 1 + r.nextInt(200);
            for (int i = 0; i < n; i++) {
                long base = switch (r.nextInt(4)) {
                    case 0 -> r.nextInt() & 0xffffffffL; // anywhere
                    case 1 -> 0x0a000000L | (r.nextInt(256) << 16); // /16 starts in 10/8
                    case 2 -> 0xc0a80000L | (r.nextInt(256) << 8); // /24 starts in one /16
                    default -> 0xc0a80100L | r.nextInt(256); // single addresses in one /24
                };
                bounds.add(base);
            }
            check(sorted(bounds), r);
        }
    }

    @Test
    void manySplitAddressBlocksUnderOneSlash16() {
        // One /16 split into /24s, forty of them split again: the table grows while it fills a block.
        TreeSet<Long> bounds = new TreeSet<>();
        for (int k = 0; k < 40; k++) {
            bounds.add(0x0a000005L | (k << 8));
        }
        check(sorted(bounds), new Random(3));
    }

    @Test
    void boundsMustStartAtZero() {
        assertThrows(IllegalArgumentException.class, () -> new Ipv4IntervalTrie(new int[] {5, 10}));
        assertThrows(IllegalArgumentException.class, () -> new Ipv4IntervalTrie(new int[0]));
    }
}
