package io.netmap4j.handler.frame;

import io.netty.buffer.ByteBuf;

/** The TCP header (RFC 9293), options included. */
public final class TcpHeader extends HeaderView {
    public static final int MIN_LENGTH = 20;
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    /** A view of the TCP header at {@code offset} of {@code buf}. */
    public TcpHeader wrap(ByteBuf buf, int offset) {
        bind(buf, offset);
        return this;
    }

    public int sourcePort() {
        return buf.getUnsignedShort(offset);
    }

    public int destinationPort() {
        return buf.getUnsignedShort(offset + 2);
    }

    public long sequenceNumber() {
        return buf.getUnsignedInt(offset + 4);
    }

    public long acknowledgementNumber() {
        return buf.getUnsignedInt(offset + 8);
    }

    /** Header length in bytes (data offset × 4), options included. */
    public int headerLength() {
        return (buf.getUnsignedByte(offset + 12) >>> 4) << 2;
    }

    /** The flag byte: {@link #FIN}, {@link #SYN}, {@link #RST}, {@link #PSH}, {@link #ACK}, ... */
    public int flags() {
        return buf.getUnsignedByte(offset + 13);
    }

    public int window() {
        return buf.getUnsignedShort(offset + 14);
    }

    public int checksum() {
        return buf.getUnsignedShort(offset + 16);
    }

    public int urgentPointer() {
        return buf.getUnsignedShort(offset + 18);
    }

    /** Writes the port only; see {@link FrameView#sourcePort(int)} to keep the checksum right. */
    public TcpHeader sourcePort(int port) {
        buf.setShort(offset, port);
        return this;
    }

    /** Writes the port only; see {@link FrameView#destinationPort(int)} to keep the checksum right. */
    public TcpHeader destinationPort(int port) {
        buf.setShort(offset + 2, port);
        return this;
    }

    public TcpHeader checksum(int checksum) {
        buf.setShort(offset + 16, checksum);
        return this;
    }
}
