package io.netmap4j.handler.frame;

import io.netty.buffer.ByteBuf;

/**
 * The fixed IPv6 header (RFC 8200). Addresses are two {@code long}s each, the high and the low 64
 * bits. {@link FrameView} skips the extension headers and gives the upper-layer protocol.
 */
public final class Ipv6Header extends HeaderView {
    public static final int LENGTH = 40;
    public static final int HOP_BY_HOP = 0;
    public static final int ROUTING = 43;
    public static final int FRAGMENT = 44;
    public static final int ESP = 50;
    public static final int AUTHENTICATION = 51;
    public static final int NO_NEXT_HEADER = 59;
    public static final int DESTINATION_OPTIONS = 60;

    /** A view of the IPv6 header at {@code offset} of {@code buf}. */
    public Ipv6Header wrap(ByteBuf buf, int offset) {
        bind(buf, offset);
        return this;
    }

    public int version() {
        return buf.getUnsignedByte(offset) >>> 4;
    }

    public int trafficClass() {
        return (buf.getInt(offset) >>> 20) & 0xff;
    }

    public int flowLabel() {
        return buf.getInt(offset) & 0xfffff;
    }

    /** Bytes after the fixed header, extension headers included. */
    public int payloadLength() {
        return buf.getUnsignedShort(offset + 4);
    }

    /** The next-header field of the fixed header (an extension header or the upper layer). */
    public int nextHeader() {
        return buf.getUnsignedByte(offset + 6);
    }

    public int hopLimit() {
        return buf.getUnsignedByte(offset + 7);
    }

    public long sourceHigh() {
        return buf.getLong(offset + 8);
    }

    public long sourceLow() {
        return buf.getLong(offset + 16);
    }

    public long destinationHigh() {
        return buf.getLong(offset + 24);
    }

    public long destinationLow() {
        return buf.getLong(offset + 32);
    }

    public Ipv6Header hopLimit(int hopLimit) {
        buf.setByte(offset + 7, hopLimit);
        return this;
    }

    public Ipv6Header payloadLength(int length) {
        buf.setShort(offset + 4, length);
        return this;
    }

    /** Writes the source address only; see {@link FrameView#ipv6Source(long, long)} to keep checksums right. */
    public Ipv6Header source(long high, long low) {
        buf.setLong(offset + 8, high);
        buf.setLong(offset + 16, low);
        return this;
    }

    /** Writes the destination only; see {@link FrameView#ipv6Destination(long, long)} to keep checksums right. */
    public Ipv6Header destination(long high, long low) {
        buf.setLong(offset + 24, high);
        buf.setLong(offset + 32, low);
        return this;
    }
}
