package io.netmap4j.handler.frame;

import io.netty.buffer.ByteBuf;

/**
 * The ICMP (RFC 792) or ICMPv6 (RFC 4443) header: both start with type, code and checksum; echo
 * messages carry an identifier and a sequence number after them.
 */
public final class IcmpHeader extends HeaderView {
    public static final int LENGTH = 4;
    public static final int ECHO_REPLY = 0;
    public static final int ECHO_REQUEST = 8;
    public static final int V6_ECHO_REQUEST = 128;
    public static final int V6_ECHO_REPLY = 129;

    /** A view of the ICMP header at {@code offset} of {@code buf}. */
    public IcmpHeader wrap(ByteBuf buf, int offset) {
        bind(buf, offset);
        return this;
    }

    public int type() {
        return buf.getUnsignedByte(offset);
    }

    public int code() {
        return buf.getUnsignedByte(offset + 1);
    }

    public int checksum() {
        return buf.getUnsignedShort(offset + 2);
    }

    /** Echo identifier (only meaningful for echo request and reply, which are at least 8 bytes). */
    public int identifier() {
        return buf.getUnsignedShort(offset + 4);
    }

    /** Echo sequence number (as for {@link #identifier()}). */
    public int sequence() {
        return buf.getUnsignedShort(offset + 6);
    }

    /** Writes the type and updates the checksum incrementally (an echo request turned into a reply). */
    public IcmpHeader type(int type) {
        int oldWord = buf.getUnsignedShort(offset);
        buf.setByte(offset, type);
        checksum(Checksums.update16(checksum(), oldWord, buf.getUnsignedShort(offset)));
        return this;
    }

    public IcmpHeader checksum(int checksum) {
        buf.setShort(offset + 2, checksum);
        return this;
    }
}
