package io.netmap4j.handler.frame;

import io.netty.buffer.ByteBuf;

/** The UDP header (RFC 768). A checksum of 0 means "none" over IPv4. */
public final class UdpHeader extends HeaderView {
    public static final int LENGTH = 8;

    /** A view of the UDP header at {@code offset} of {@code buf}. */
    public UdpHeader wrap(ByteBuf buf, int offset) {
        bind(buf, offset);
        return this;
    }

    public int sourcePort() {
        return buf.getUnsignedShort(offset);
    }

    public int destinationPort() {
        return buf.getUnsignedShort(offset + 2);
    }

    /** Header and payload length in bytes. */
    public int length() {
        return buf.getUnsignedShort(offset + 4);
    }

    public int checksum() {
        return buf.getUnsignedShort(offset + 6);
    }

    /** Writes the port only; see {@link FrameView#sourcePort(int)} to keep the checksum right. */
    public UdpHeader sourcePort(int port) {
        buf.setShort(offset, port);
        return this;
    }

    /** Writes the port only; see {@link FrameView#destinationPort(int)} to keep the checksum right. */
    public UdpHeader destinationPort(int port) {
        buf.setShort(offset + 2, port);
        return this;
    }

    public UdpHeader length(int length) {
        buf.setShort(offset + 4, length);
        return this;
    }

    public UdpHeader checksum(int checksum) {
        buf.setShort(offset + 6, checksum);
        return this;
    }
}
