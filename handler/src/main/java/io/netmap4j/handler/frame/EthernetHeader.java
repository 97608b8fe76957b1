package io.netmap4j.handler.frame;

import io.netty.buffer.ByteBuf;

/**
 * The Ethernet II header: destination and source MAC (48-bit values in a {@code long}) and the
 * first EtherType. VLAN tags that follow are read through {@link FrameView}.
 */
public final class EthernetHeader extends HeaderView {
    /** Destination (6) + source (6) + EtherType (2). */
    public static final int LENGTH = 14;
    public static final int TYPE_IPV4 = 0x0800;
    public static final int TYPE_ARP = 0x0806;
    public static final int TYPE_VLAN = 0x8100;
    public static final int TYPE_IPV6 = 0x86dd;
    /** 802.1ad service tag (the outer tag of QinQ). */
    public static final int TYPE_QINQ = 0x88a8;
    /** The pre-standard QinQ outer tag some switches still send. */
    public static final int TYPE_QINQ_OLD = 0x9100;
    public static final long BROADCAST = 0xffff_ffff_ffffL;

    /** A view of the Ethernet header at {@code offset} of {@code buf} (for use without a {@link FrameView}). */
    public EthernetHeader wrap(ByteBuf buf, int offset) {
        bind(buf, offset);
        return this;
    }

    public long destination() {
        return mac(buf, offset);
    }

    public long source() {
        return mac(buf, offset + 6);
    }

    public EthernetHeader destination(long mac) {
        setMac(buf, offset, mac);
        return this;
    }

    public EthernetHeader source(long mac) {
        setMac(buf, offset + 6, mac);
        return this;
    }

    /** The EtherType right after the MACs (a TPID such as {@link #TYPE_VLAN} when the frame is tagged). */
    public int etherType() {
        return buf.getUnsignedShort(offset + 12);
    }

    /** Exchanges source and destination MAC, as a responder or a reflector does. */
    public EthernetHeader swapMacs() {
        // Three 4-byte words hold both addresses: dst = w0 w1[0..1], src = w1[2..3] w2.
        int w0 = buf.getInt(offset);
        int w1 = buf.getInt(offset + 4);
        int w2 = buf.getInt(offset + 8);
        buf.setInt(offset, (w1 << 16) | (w2 >>> 16));
        buf.setInt(offset + 4, (w2 << 16) | (w0 >>> 16));
        buf.setInt(offset + 8, (w0 << 16) | (w1 >>> 16));
        return this;
    }

    /** True for a group (multicast or broadcast) destination. */
    public boolean isMulticast() {
        return (buf.getUnsignedByte(offset) & 1) != 0;
    }

    static long mac(ByteBuf buf, int index) {
        return ((long) buf.getUnsignedShort(index) << 32) | buf.getUnsignedInt(index + 2);
    }

    static void setMac(ByteBuf buf, int index, long mac) {
        buf.setShort(index, (int) (mac >>> 32));
        buf.setInt(index + 2, (int) mac);
    }
}
