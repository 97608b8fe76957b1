package io.netmap4j.handler.lb;

import io.netmap4j.handler.frame.FrameView;

/**
 * A hash of an IP frame's 5-tuple that is the same for both directions of a flow: the two
 * endpoints (address and port) are put in a fixed order before mixing, so A to B and B to A
 * hash alike and a load balancer sends a whole conversation to one worker. IPv6 addresses are
 * folded to 64 bits first (the same way in both directions, so symmetry holds). Allocation-free.
 */
public final class SymmetricFlowHash {
    private SymmetricFlowHash() {
    }

    /**
     * The flow hash of a frame that {@link FrameView#isIpv4()} or {@link FrameView#isIpv6()};
     * ports count for TCP and UDP, and are 0 otherwise.
     */
    public static long hash(FrameView f) {
        long a;
        long b;
        if (f.isIpv4()) {
            long addresses = f.ipv4().addresses();
            a = addresses >>> 32;
            b = addresses & 0xffffffffL;
        } else {
            var ip = f.ipv6();
            a = ip.sourceHigh() ^ Long.rotateLeft(ip.sourceLow(), 17);
            b = ip.destinationHigh() ^ Long.rotateLeft(ip.destinationLow(), 17);
        }
        int ports = f.ports(); // 0 without TCP or UDP
        int pa = ports >>> 16;
        int pb = ports & 0xffff;
        int order = Long.compareUnsigned(a, b);
        if (order > 0 || order == 0 && pa > pb) {
            long t = a;
            a = b;
            b = t;
            int p = pa;
            pa = pb;
            pb = p;
        }
        long x = mix(a * 0x9e3779b97f4a7c15L ^ b);
        x ^= ((long) pa << 40) ^ ((long) pb << 16) ^ f.ipProtocol();
        return mix(x);
    }

    /** Maps a hash to one of {@code n} buckets, evenly (multiply-shift on the high 32 bits). */
    public static int bucket(long hash, int n) {
        return (int) (((hash >>> 32) * n) >>> 32);
    }

    /** The 64-bit finaliser of MurmurHash3: every input bit flips about half the output bits. */
    private static long mix(long x) {
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        x *= 0xc4ceb9fe1a85ec53L;
        x ^= x >>> 33;
        return x;
    }
}
