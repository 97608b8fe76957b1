package io.netmap4j.handler.frame;

import io.netty.buffer.ByteBuf;

/**
 * The Internet checksum (RFC 1071) over ByteBuf bytes, and its incremental update (RFC 1624),
 * without allocation.
 *
 * <p>Sums are kept unfolded in a {@code long} so that partial sums (a pseudo-header, a header, a
 * payload) can be added before one final {@link #fold(long)}: one's-complement addition is
 * associative, and any multiple of 16 bits folds back to the same 16-bit sum.
 */
public final class Checksums {
    private Checksums() {
    }

    /**
     * The unfolded sum of {@code length} bytes at {@code index}, read as big-endian 16-bit words
     * (an odd last byte is padded with a zero byte, as the checksum requires).
     */
    public static long sum(ByteBuf buf, int index, int length) {
        long sum = 0;
        int i = index;
        int end = index + length;
        // 32-bit words into a 64-bit accumulator: the carries land above bit 31 and fold later.
        for (; i + 4 <= end; i += 4) {
            sum += buf.getUnsignedInt(i);
        }
        if (i + 2 <= end) {
            sum += buf.getUnsignedShort(i);
            i += 2;
        }
        if (i < end) {
            sum += (buf.getUnsignedByte(i) << 8);
        }
        return sum;
    }

    /** Folds an unfolded sum to 16 bits (with end-around carry); not yet complemented. */
    public static int fold(long sum) {
        sum = (sum & 0xffffffffL) + (sum >>> 32);
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        return (int) sum;
    }

    /** The checksum field value for an unfolded sum: the one's complement of its fold. */
    public static int finish(long sum) {
        return ~fold(sum) & 0xffff;
    }

    /** The Internet checksum of {@code length} bytes at {@code index} (for example an IPv4 header with its checksum field zeroed). */
    public static int checksum(ByteBuf buf, int index, int length) {
        return finish(sum(buf, index, length));
    }

    /** The unfolded sum of the IPv4 pseudo-header that TCP and UDP checksums cover. */
    public static long ipv4PseudoHeaderSum(int src, int dst, int protocol, int l4Length) {
        return (src & 0xffffffffL) + (dst & 0xffffffffL) + protocol + l4Length;
    }

    /** The unfolded sum of the IPv6 pseudo-header (RFC 8200 section 8.1). */
    public static long ipv6PseudoHeaderSum(long srcHi, long srcLo, long dstHi, long dstLo, int nextHeader, int l4Length) {
        return words(srcHi) + words(srcLo) + words(dstHi) + words(dstLo) + (l4Length & 0xffffffffL) + nextHeader;
    }

    private static long words(long v) {
        return (v >>> 32) + (v & 0xffffffffL);
    }

    /**
     * RFC 1624 equation 3: the checksum field after one 16-bit word it covers changed from
     * {@code oldWord} to {@code newWord}: {@code HC' = ~(~HC + ~m + m')}.
     */
    public static int update16(int checksum, int oldWord, int newWord) {
        long sum = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
        return finish(sum);
    }

    /** {@link #update16} for a 32-bit field (an IPv4 address, a TCP sequence number). */
    public static int update32(int checksum, int oldValue, int newValue) {
        long sum = (~checksum & 0xffff)
                + (~(oldValue >>> 16) & 0xffff) + (~oldValue & 0xffff)
                + ((newValue >>> 16) & 0xffff) + (newValue & 0xffff);
        return finish(sum);
    }

    /** {@link #update16} for a 64-bit field (half an IPv6 address). */
    public static int update64(int checksum, long oldValue, long newValue) {
        int c = update32(checksum, (int) (oldValue >>> 32), (int) (newValue >>> 32));
        return update32(c, (int) oldValue, (int) newValue);
    }
}
