package io.netmap4j.user.vale;

import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * The frames of the VALE tests: Ethernet addresses, then a stream number, a sequence number, its
 * complement and a pattern, so that a receiver can tell who sent a frame, to whom, in which order,
 * and whether it arrived intact.
 */
final class ValeFrames {
    static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    static final int LEN = 64;

    private ValeFrames() { }

    /** A locally administered unicast MAC. */
    static long mac(int i) {
        return 0x02_00_00_00_00_00L | i;
    }

    static void write(MemorySegment buf, long dst, long src, int stream, long seq, int len) {
        for (int i = 0; i < 6; i++) {
            buf.set(JAVA_BYTE, i, (byte) (dst >>> 8 * (5 - i)));
            buf.set(JAVA_BYTE, 6 + i, (byte) (src >>> 8 * (5 - i)));
        }
        buf.set(JAVA_BYTE, 12, (byte) 0x88);
        buf.set(JAVA_BYTE, 13, (byte) 0xb5);
        buf.set(JAVA_INT_UNALIGNED, 14, stream);
        buf.set(JAVA_LONG_UNALIGNED, 18, seq);
        buf.set(JAVA_LONG_UNALIGNED, 26, ~seq);
        for (int i = 34; i < len; i++) {
            buf.set(JAVA_BYTE, i, (byte) (seq * 7 + i));
        }
    }

    /** Queues one frame in the next TX slot (the caller syncs). */
    static void queue(NetmapRing tx, long dst, long src, int stream, long seq, int len) {
        int h = tx.head();
        write(tx.slotBuffer(h), dst, src, stream, seq, len);
        tx.len(h, len);
        tx.flags(h, 0);
        tx.advance(tx.next(h));
    }

    /** Sends one frame now. */
    static void send(NetmapPort port, long dst, long src, int stream, long seq) throws NetmapException {
        queue(port.txRing(0), dst, src, stream, seq, LEN);
        port.txSync();
    }

    static long dst(MemorySegment buf) {
        long m = 0;
        for (int i = 0; i < 6; i++) {
            m = m << 8 | Byte.toUnsignedLong(buf.get(JAVA_BYTE, i));
        }
        return m;
    }

    static int stream(MemorySegment buf) {
        return buf.get(JAVA_INT_UNALIGNED, 14);
    }

    static long seq(MemorySegment buf) {
        return buf.get(JAVA_LONG_UNALIGNED, 18);
    }

    /** Null when the frame in {@code buf} of {@code len} bytes is intact, else what is wrong with it. */
    static String damage(MemorySegment buf, int len) {
        if (len < 34) {
            return "a frame of " + len + " bytes";
        }
        long seq = seq(buf);
        if (buf.get(JAVA_LONG_UNALIGNED, 26) != ~seq) {
            return "frame " + seq + " has a damaged sequence number";
        }
        for (int i = 34; i < len; i++) {
            if (buf.get(JAVA_BYTE, i) != (byte) (seq * 7 + i)) {
                return "frame " + seq + " of stream " + stream(buf) + " differs at byte " + i;
            }
        }
        return null;
    }
}
