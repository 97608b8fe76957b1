package io.netmap4j.tools;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The frame the generator sends, as pkt-gen does: Ethernet + IPv4 + UDP with valid checksums
 * (so that a real host stack on the other side of a veth or NIC accepts it), and a 64-bit
 * sequence number at the start of the UDP payload, which the receiver checks for loss and
 * order. The rest of the payload is a fixed pattern; its first four bytes after the sequence
 * number are the signature by which a receiver tells this tool's frames from anyone else's
 * (netmap's C pkt-gen sends to the same addresses and ports by default).
 */
public final class FrameTemplate {
    /** Ethernet (14) + IPv4 (20) + UDP (8). */
    public static final int HEADERS = 42;
    /** Where the sequence number sits. */
    public static final int SEQUENCE_OFFSET = HEADERS;
    /** Where the signature sits: right after the sequence number. */
    public static final int SIGNATURE_OFFSET = SEQUENCE_OFFSET + 8;
    /** The smallest frame that holds the headers, the sequence number and the signature. */
    public static final int MIN_SIZE = SIGNATURE_OFFSET + 4;
    /** Largest frame without a VLAN tag or jumbo frames. */
    public static final int MAX_SIZE = 1514;

    private final byte[] bytes;

    /**
     * @param size frame length without the FCS, from {@link #MIN_SIZE} to {@link #MAX_SIZE};
     *             60 is the minimum Ethernet frame and pkt-gen's default
     */
    public FrameTemplate(int size, byte[] srcMac, byte[] dstMac, int srcIp, int dstIp, int srcPort, int dstPort) {
        if (size < MIN_SIZE || size > MAX_SIZE) {
            throw new IllegalArgumentException("frame size " + size + " outside " + MIN_SIZE + ".." + MAX_SIZE);
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.BIG_ENDIAN);
        b.put(dstMac).put(srcMac).putShort((short) 0x0800);
        int ipLen = size - 14;
        b.put((byte) 0x45).put((byte) 0).putShort((short) ipLen).putShort((short) 0).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 17).putShort((short) 0).putInt(srcIp).putInt(dstIp);
        b.putShort(24, (short) ipChecksum(b.array(), 14, 20));
        // UDP checksum 0 means "none" for IPv4, which every stack accepts.
        b.putShort((short) srcPort).putShort((short) dstPort).putShort((short) (ipLen - 20)).putShort((short) 0);
        for (int i = HEADERS; i < size; i++) {
            b.put(i, pattern(i));
        }
        this.bytes = b.array();
    }

    /** The default frame: broadcast from a locally administered MAC, 10.0.0.1:1234 to 10.1.0.1:4321. */
    public static FrameTemplate standard(int size) {
        return new FrameTemplate(size, new byte[] {0x02, 0, 0, 0, 0, 1},
                new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff},
                0x0a000001, 0x0a010001, 1234, 4321);
    }

    /** The payload byte at frame offset {@code i}. */
    private static byte pattern(int i) {
        return (byte) ('a' + (i % 26));
    }

    /** The signature, as a big-endian int at {@link #SIGNATURE_OFFSET}. */
    public static final int SIGNATURE = (pattern(SIGNATURE_OFFSET) & 0xff) << 24 | (pattern(SIGNATURE_OFFSET + 1) & 0xff) << 16
            | (pattern(SIGNATURE_OFFSET + 2) & 0xff) << 8 | pattern(SIGNATURE_OFFSET + 3) & 0xff;

    public int size() {
        return bytes.length;
    }

    /** The template's bytes; the sequence number field is left zero. Callers must not change it. */
    public byte[] bytes() {
        return bytes;
    }

    static int ipChecksum(byte[] b, int off, int len) {
        int sum = 0;
        for (int i = off; i < off + len; i += 2) {
            sum += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return ~sum & 0xffff;
    }
}
