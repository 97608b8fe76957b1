package io.netmap4j.handler.frame;

import io.netty.buffer.ByteBuf;

/**
 * The IPv4 header (RFC 791), options included. Setters write the field only; the header
 * checksum follows with {@link #updateChecksum()} (full) or, for one field, the incremental
 * setters of {@link FrameView} and {@link #decrementTtl()}.
 */
public final class Ipv4Header extends HeaderView {
    public static final int MIN_LENGTH = 20;
    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;
    public static final int PROTO_ICMPV6 = 58;
    /** Flag bits of the 16-bit flags/fragment-offset field. */
    public static final int FLAG_DONT_FRAGMENT = 0x4000;
    public static final int FLAG_MORE_FRAGMENTS = 0x2000;

    /** A view of the IPv4 header at {@code offset} of {@code buf}. */
    public Ipv4Header wrap(ByteBuf buf, int offset) {
        bind(buf, offset);
        return this;
    }

    public int version() {
        return buf.getUnsignedByte(offset) >>> 4;
    }

    /** Header length in bytes (IHL × 4), options included. */
    public int headerLength() {
        return (buf.getUnsignedByte(offset) & 0x0f) << 2;
    }

    /** The type-of-service byte (DSCP and ECN). */
    public int tos() {
        return buf.getUnsignedByte(offset + 1);
    }

    public int totalLength() {
        return buf.getUnsignedShort(offset + 2);
    }

    public int identification() {
        return buf.getUnsignedShort(offset + 4);
    }

    /** The 16-bit flags and fragment offset field as sent. */
    public int flagsAndFragmentOffset() {
        return buf.getUnsignedShort(offset + 6);
    }

    public boolean dontFragment() {
        return (flagsAndFragmentOffset() & FLAG_DONT_FRAGMENT) != 0;
    }

    public boolean moreFragments() {
        return (flagsAndFragmentOffset() & FLAG_MORE_FRAGMENTS) != 0;
    }

    /** Fragment offset in bytes. */
    public int fragmentOffset() {
        return (flagsAndFragmentOffset() & 0x1fff) << 3;
    }

    /** True for any fragment of a larger packet (first, middle or last). */
    public boolean isFragment() {
        return (flagsAndFragmentOffset() & 0x3fff) != 0;
    }

    public int ttl() {
        return buf.getUnsignedByte(offset + 8);
    }

    public int protocol() {
        return buf.getUnsignedByte(offset + 9);
    }

    public int checksum() {
        return buf.getUnsignedShort(offset + 10);
    }

    public int source() {
        return buf.getInt(offset + 12);
    }

    public int destination() {
        return buf.getInt(offset + 16);
    }

    /**
     * Source and destination in one read: the source in the high 32 bits, the destination in the
     * low 32 (what a flow lookup wants, at half the cost of {@link #source()} then {@link #destination()}).
     */
    public long addresses() {
        return buf.getLong(offset + 12);
    }

    /** Bytes of options after the fixed 20-byte header. */
    public int optionsLength() {
        return headerLength() - MIN_LENGTH;
    }

    public Ipv4Header tos(int tos) {
        buf.setByte(offset + 1, tos);
        return this;
    }

    public Ipv4Header totalLength(int length) {
        buf.setShort(offset + 2, length);
        return this;
    }

    public Ipv4Header identification(int id) {
        buf.setShort(offset + 4, id);
        return this;
    }

    public Ipv4Header ttl(int ttl) {
        buf.setByte(offset + 8, ttl);
        return this;
    }

    public Ipv4Header protocol(int protocol) {
        buf.setByte(offset + 9, protocol);
        return this;
    }

    public Ipv4Header checksum(int checksum) {
        buf.setShort(offset + 10, checksum);
        return this;
    }

    /** Writes the source address only; see {@link FrameView#ipv4Source(int)} to keep checksums right. */
    public Ipv4Header source(int address) {
        buf.setInt(offset + 12, address);
        return this;
    }

    /** Writes the destination address only; see {@link FrameView#ipv4Destination(int)} to keep checksums right. */
    public Ipv4Header destination(int address) {
        buf.setInt(offset + 16, address);
        return this;
    }

    /** The checksum the header should carry (computed over the header with the field taken as 0). */
    public int computeChecksum() {
        long sum = Checksums.sum(buf, offset, headerLength()) - checksum();
        return Checksums.finish(sum);
    }

    /** True when the header checksum is right. */
    public boolean isChecksumValid() {
        return Checksums.fold(Checksums.sum(buf, offset, headerLength())) == 0xffff;
    }

    /** Recomputes and writes the header checksum. */
    public Ipv4Header updateChecksum() {
        checksum(computeChecksum());
        return this;
    }

    /**
     * Decrements the TTL as a router does, updating the checksum incrementally (RFC 1624).
     *
     * @return the new TTL; at 0 the packet should be dropped (the TTL is left at 0)
     */
    public int decrementTtl() {
        int ttl = ttl();
        if (ttl == 0) {
            return 0;
        }
        int oldWord = buf.getUnsignedShort(offset + 8);
        ttl(ttl - 1);
        checksum(Checksums.update16(checksum(), oldWord, buf.getUnsignedShort(offset + 8)));
        return ttl - 1;
    }
}
