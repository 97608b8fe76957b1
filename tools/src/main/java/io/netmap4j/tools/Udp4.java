package io.netmap4j.tools;

import io.netty.buffer.ByteBuf;

/**
 * Reads and rewrites the headers of an Ethernet + IPv4 + UDP frame in place, at the frame's
 * reader index. Static, allocation-free helpers for the udp-reflector's handlers.
 */
final class Udp4 {
    static final int ETHER_HEADER = 14;
    private static final int ETHERTYPE_IPV4 = 0x0800;
    private static final int PROTO_UDP = 17;

    private Udp4() {
    }

    /** True for an IPv4 frame carrying a whole UDP header (no IP fragment offset). */
    static boolean isUdp(ByteBuf frame) {
        int base = frame.readerIndex();
        int length = frame.readableBytes();
        if (length < ETHER_HEADER + 20 + 8 || frame.getUnsignedShort(base + 12) != ETHERTYPE_IPV4) {
            return false;
        }
        int versionIhl = frame.getUnsignedByte(base + ETHER_HEADER);
        int ihl = (versionIhl & 0x0f) * 4;
        return versionIhl >>> 4 == 4 && ihl >= 20 && length >= ETHER_HEADER + ihl + 8
                && frame.getUnsignedByte(base + ETHER_HEADER + 9) == PROTO_UDP
                && (frame.getUnsignedShort(base + ETHER_HEADER + 6) & 0x1fff) == 0;
    }

    /** Offset of the UDP header from the frame's reader index (call only when {@link #isUdp}). */
    static int udpOffset(ByteBuf frame) {
        return ETHER_HEADER + (frame.getUnsignedByte(frame.readerIndex() + ETHER_HEADER) & 0x0f) * 4;
    }

    static int srcPort(ByteBuf frame) {
        return frame.getUnsignedShort(frame.readerIndex() + udpOffset(frame));
    }

    static int dstPort(ByteBuf frame) {
        return frame.getUnsignedShort(frame.readerIndex() + udpOffset(frame) + 2);
    }

    /**
     * Turns the frame around: MAC addresses, IPv4 addresses and UDP ports swapped. Checksums stay
     * valid (the IPv4 header checksum does not depend on the order of the two addresses, and the
     * UDP checksum, when present, neither).
     */
    static void reflect(ByteBuf frame) {
        int base = frame.readerIndex();
        int dst0 = frame.getInt(base);
        short dst1 = frame.getShort(base + 4);
        frame.setInt(base, frame.getInt(base + 6));
        frame.setShort(base + 4, frame.getShort(base + 10));
        frame.setInt(base + 6, dst0);
        frame.setShort(base + 10, dst1);
        int ip = base + ETHER_HEADER;
        int srcIp = frame.getInt(ip + 12);
        frame.setInt(ip + 12, frame.getInt(ip + 16));
        frame.setInt(ip + 16, srcIp);
        int udp = base + udpOffset(frame);
        int ports = frame.getInt(udp);
        frame.setInt(udp, ports << 16 | ports >>> 16);
    }
}
