package io.netmap4j.handler.frame;

import io.netty.buffer.ByteBuf;

/** An ARP packet for Ethernet and IPv4 (RFC 826; hardware type 1, protocol 0x0800, 28 bytes). */
public final class ArpHeader extends HeaderView {
    public static final int LENGTH = 28;
    public static final int REQUEST = 1;
    public static final int REPLY = 2;

    /** A view of the ARP packet at {@code offset} of {@code buf}. */
    public ArpHeader wrap(ByteBuf buf, int offset) {
        bind(buf, offset);
        return this;
    }

    public int hardwareType() {
        return buf.getUnsignedShort(offset);
    }

    public int protocolType() {
        return buf.getUnsignedShort(offset + 2);
    }

    public int hardwareLength() {
        return buf.getUnsignedByte(offset + 4);
    }

    public int protocolLength() {
        return buf.getUnsignedByte(offset + 5);
    }

    /** {@link #REQUEST} or {@link #REPLY}. */
    public int operation() {
        return buf.getUnsignedShort(offset + 6);
    }

    public ArpHeader operation(int op) {
        buf.setShort(offset + 6, op);
        return this;
    }

    public long senderMac() {
        return EthernetHeader.mac(buf, offset + 8);
    }

    public ArpHeader senderMac(long mac) {
        EthernetHeader.setMac(buf, offset + 8, mac);
        return this;
    }

    public int senderIp() {
        return buf.getInt(offset + 14);
    }

    public ArpHeader senderIp(int ip) {
        buf.setInt(offset + 14, ip);
        return this;
    }

    public long targetMac() {
        return EthernetHeader.mac(buf, offset + 18);
    }

    public ArpHeader targetMac(long mac) {
        EthernetHeader.setMac(buf, offset + 18, mac);
        return this;
    }

    public int targetIp() {
        return buf.getInt(offset + 24);
    }

    public ArpHeader targetIp(int ip) {
        buf.setInt(offset + 24, ip);
        return this;
    }
}
