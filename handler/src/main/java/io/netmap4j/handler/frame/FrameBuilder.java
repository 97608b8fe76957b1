package io.netmap4j.handler.frame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds Ethernet frames for generators and tests: Ethernet, VLAN tags, ARP, IPv4 (with options
 * and fragment fields), IPv6 (with extension headers), UDP, TCP, ICMP and ICMPv6 echo, a payload;
 * lengths and checksums are filled in. Not for the per-frame path (it allocates): build a
 * template once, then copy it.
 *
 * <pre>{@code
 * byte[] frame = new FrameBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(1234, 53)
 *         .payload("hello".getBytes()).build();
 * }</pre>
 */
public final class FrameBuilder {
    private enum L3 { NONE, ARP, IPV4, IPV6 }

    private enum L4 { NONE, UDP, TCP, ICMP }

    private long src = 0x02_00_00_00_00_01L;
    private long dst = 0x02_00_00_00_00_02L;
    private final List<int[]> tags = new ArrayList<>();
    private int etherType = -1;
    private L3 l3 = L3.NONE;
    private int ip4Src;
    private int ip4Dst;
    private long ip6SrcHi;
    private long ip6SrcLo;
    private long ip6DstHi;
    private long ip6DstLo;
    private int ttl = 64;
    private int tos;
    private int id;
    private int flags;
    private int fragmentOffset;
    private byte[] ipOptions = new byte[0];
    private final List<byte[]> extensions = new ArrayList<>();
    private int ipProtocol = -1;
    private int arpOp;
    private long arpSenderMac;
    private int arpSenderIp;
    private long arpTargetMac;
    private int arpTargetIp;
    private L4 l4 = L4.NONE;
    private int srcPort;
    private int dstPort;
    private long seq;
    private long ack;
    private int tcpFlags = TcpHeader.ACK;
    private int window = 65535;
    private byte[] tcpOptions = new byte[0];
    private int icmpType;
    private int icmpCode;
    private int icmpId;
    private int icmpSeq;
    private byte[] payload = new byte[0];
    private int frameLength = -1;
    private int trailer;

    /** Source MAC (default 02:00:00:00:00:01). */
    public FrameBuilder source(long mac) {
        this.src = mac;
        return this;
    }

    /** Destination MAC (default 02:00:00:00:00:02). */
    public FrameBuilder destination(long mac) {
        this.dst = mac;
        return this;
    }

    public FrameBuilder source(String mac) {
        return source(Addresses.parseMac(mac));
    }

    public FrameBuilder destination(String mac) {
        return destination(Addresses.parseMac(mac));
    }

    /** Adds an 802.1Q tag (after any added before: the first call is the outer tag). */
    public FrameBuilder vlan(int vlanId) {
        return vlan(EthernetHeader.TYPE_VLAN, vlanId, 0);
    }

    /** Adds a tag with the given TPID (0x8100, or 0x88A8 for a QinQ service tag), VLAN id and priority. */
    public FrameBuilder vlan(int tpid, int vlanId, int priority) {
        tags.add(new int[] {tpid, (priority & 7) << 13 | (vlanId & 0xfff)});
        return this;
    }

    /** A frame of this EtherType with the payload right after the Ethernet header (no L3 header). */
    public FrameBuilder etherType(int type) {
        this.etherType = type;
        this.l3 = L3.NONE;
        return this;
    }

    /** An ARP packet for Ethernet/IPv4 ({@link ArpHeader#REQUEST} or {@link ArpHeader#REPLY}). */
    public FrameBuilder arp(int operation, long senderMac, String senderIp, long targetMac, String targetIp) {
        l3 = L3.ARP;
        arpOp = operation;
        arpSenderMac = senderMac;
        arpSenderIp = Addresses.parseIpv4(senderIp);
        arpTargetMac = targetMac;
        arpTargetIp = Addresses.parseIpv4(targetIp);
        return this;
    }

    public FrameBuilder ipv4(String source, String destination) {
        return ipv4(Addresses.parseIpv4(source), Addresses.parseIpv4(destination));
    }

    public FrameBuilder ipv4(int source, int destination) {
        l3 = L3.IPV4;
        ip4Src = source;
        ip4Dst = destination;
        return this;
    }

    public FrameBuilder ipv6(String source, String destination) {
        long[] s = Addresses.parseIpv6(source);
        long[] d = Addresses.parseIpv6(destination);
        return ipv6(s[0], s[1], d[0], d[1]);
    }

    public FrameBuilder ipv6(long srcHigh, long srcLow, long dstHigh, long dstLow) {
        l3 = L3.IPV6;
        ip6SrcHi = srcHigh;
        ip6SrcLo = srcLow;
        ip6DstHi = dstHigh;
        ip6DstLo = dstLow;
        return this;
    }

    /** IPv4 TTL or IPv6 hop limit (default 64). */
    public FrameBuilder ttl(int ttl) {
        this.ttl = ttl;
        return this;
    }

    public FrameBuilder tos(int tos) {
        this.tos = tos;
        return this;
    }

    /** IPv4 identification (also the IPv6 fragment header's). */
    public FrameBuilder identification(int id) {
        this.id = id;
        return this;
    }

    public FrameBuilder dontFragment() {
        this.flags |= Ipv4Header.FLAG_DONT_FRAGMENT;
        return this;
    }

    /**
     * Makes the packet a fragment: {@code offsetBytes} (a multiple of 8) into the original, and
     * whether more follow. For IPv6 this adds a fragment header as the last extension header.
     */
    public FrameBuilder fragment(int offsetBytes, boolean more) {
        if ((offsetBytes & 7) != 0) {
            throw new IllegalArgumentException("fragment offset " + offsetBytes + " is not a multiple of 8");
        }
        this.fragmentOffset = offsetBytes;
        this.flags = (flags & ~Ipv4Header.FLAG_MORE_FRAGMENTS) | (more ? Ipv4Header.FLAG_MORE_FRAGMENTS : 0);
        if (l3 == L3.IPV6) {
            byte[] f = new byte[8];
            f[0] = (byte) 44; // marks the fragment header; replaced by its next header when built
            int fo = offsetBytes | (more ? 1 : 0);
            f[2] = (byte) (fo >>> 8);
            f[3] = (byte) fo;
            f[4] = (byte) (id >>> 24);
            f[5] = (byte) (id >>> 16);
            f[6] = (byte) (id >>> 8);
            f[7] = (byte) id;
            extensions.add(f);
        }
        return this;
    }

    /** IPv4 options (padded with end-of-options to a multiple of 4 bytes, 40 at most). */
    public FrameBuilder ipv4Options(byte[] options) {
        int padded = (options.length + 3) & ~3;
        if (padded > 40) {
            throw new IllegalArgumentException("IPv4 options are at most 40 bytes, not " + options.length);
        }
        this.ipOptions = Arrays.copyOf(options, padded);
        return this;
    }

    /**
     * Adds an IPv6 extension header of {@code type} (0 hop-by-hop, 43 routing, 60 destination
     * options) with {@code body} after its next-header and length bytes, padded to a multiple of 8.
     */
    public FrameBuilder ipv6Extension(int type, byte[] body) {
        int length = (2 + body.length + 7) & ~7;
        byte[] h = new byte[length];
        h[0] = (byte) type; // replaced by the next header when built
        h[1] = (byte) (length / 8 - 1);
        System.arraycopy(body, 0, h, 2, body.length);
        if (body.length + 2 < length && length - body.length - 2 >= 2) {
            h[2 + body.length] = 1; // a PadN option covering the rest, so decoders see valid options
            h[3 + body.length] = (byte) (length - body.length - 4);
        }
        extensions.add(h);
        return this;
    }

    /** The IP protocol number when no UDP/TCP/ICMP header is built (the payload follows the IP header). */
    public FrameBuilder ipProtocol(int protocol) {
        this.ipProtocol = protocol;
        this.l4 = L4.NONE;
        return this;
    }

    public FrameBuilder udp(int sourcePort, int destinationPort) {
        l4 = L4.UDP;
        srcPort = sourcePort;
        dstPort = destinationPort;
        return this;
    }

    public FrameBuilder tcp(int sourcePort, int destinationPort) {
        l4 = L4.TCP;
        srcPort = sourcePort;
        dstPort = destinationPort;
        return this;
    }

    /** TCP flags (default ACK), sequence and acknowledgement numbers. */
    public FrameBuilder tcpFlags(int flags, long sequence, long acknowledgement) {
        this.tcpFlags = flags;
        this.seq = sequence;
        this.ack = acknowledgement;
        return this;
    }

    /** TCP options (padded with zeros, end of option list, to a multiple of 4 bytes, 40 at most). */
    public FrameBuilder tcpOptions(byte[] options) {
        int padded = (options.length + 3) & ~3;
        if (padded > 40) {
            throw new IllegalArgumentException("TCP options are at most 40 bytes, not " + options.length);
        }
        this.tcpOptions = Arrays.copyOf(options, padded);
        return this;
    }

    /** An ICMP echo request or reply (ICMPv6 over IPv6) with this identifier and sequence number. */
    public FrameBuilder icmpEcho(boolean request, int identifier, int sequence) {
        l4 = L4.ICMP;
        icmpType = -1 - (request ? 1 : 0); // resolved per IP version when built
        icmpCode = 0;
        icmpId = identifier;
        icmpSeq = sequence;
        return this;
    }

    /** Any ICMP/ICMPv6 message: type, code, then the payload after the 4-byte header. */
    public FrameBuilder icmp(int type, int code) {
        l4 = L4.ICMP;
        icmpType = type;
        icmpCode = code;
        return this;
    }

    public FrameBuilder payload(byte[] bytes) {
        this.payload = bytes.clone();
        return this;
    }

    /** A payload of {@code length} bytes with a recognisable pattern. */
    public FrameBuilder payloadLength(int length) {
        byte[] p = new byte[length];
        for (int i = 0; i < length; i++) {
            p[i] = (byte) ('a' + i % 26);
        }
        this.payload = p;
        return this;
    }

    /** Grows (or shrinks) the payload so that the whole frame has {@code length} bytes (no FCS). */
    public FrameBuilder frameLength(int length) {
        this.frameLength = length;
        return this;
    }

    /** Zero bytes after the IP packet, as Ethernet pads short frames (not counted in IP lengths). */
    public FrameBuilder trailer(int bytes) {
        this.trailer = bytes;
        return this;
    }

    /** The frame's bytes. */
    public byte[] build() {
        byte[] body = payload;
        if (frameLength >= 0) {
            int headers = headersLength();
            int want = frameLength - headers - trailer;
            if (want < 0) {
                throw new IllegalArgumentException("a frame of " + frameLength + " bytes cannot hold its " + headers
                        + " bytes of headers");
            }
            byte[] p = new byte[want];
            for (int i = 0; i < want; i++) {
                p[i] = i < payload.length ? payload[i] : (byte) ('a' + i % 26);
            }
            body = p;
        }
        ByteBuf b = Unpooled.buffer(headersLength() + body.length + trailer);
        EthernetHeader.setMac(b, 0, dst);
        EthernetHeader.setMac(b, 6, src);
        b.writerIndex(12);
        for (int[] t : tags) {
            b.writeShort(t[0]).writeShort(t[1]);
        }
        b.writeShort(switch (l3) {
            case NONE -> etherType < 0 ? 0x88b5 : etherType; // 0x88B5: local experimental
            case ARP -> EthernetHeader.TYPE_ARP;
            case IPV4 -> EthernetHeader.TYPE_IPV4;
            case IPV6 -> EthernetHeader.TYPE_IPV6;
        });
        switch (l3) {
            case NONE -> b.writeBytes(body);
            case ARP -> {
                b.writeShort(1).writeShort(EthernetHeader.TYPE_IPV4).writeByte(6).writeByte(4).writeShort(arpOp);
                b.writeShort((int) (arpSenderMac >>> 32)).writeInt((int) arpSenderMac).writeInt(arpSenderIp);
                b.writeShort((int) (arpTargetMac >>> 32)).writeInt((int) arpTargetMac).writeInt(arpTargetIp);
                b.writeBytes(body);
            }
            case IPV4 -> {
                int ihl = 20 + ipOptions.length;
                int total = ihl + l4Length() + body.length;
                b.writeByte(0x40 | ihl / 4).writeByte(tos).writeShort(total).writeShort(id)
                        .writeShort(flags | fragmentOffset / 8).writeByte(ttl).writeByte(protocol()).writeShort(0)
                        .writeInt(ip4Src).writeInt(ip4Dst).writeBytes(ipOptions);
                writeL4(b, body, false);
            }
            case IPV6 -> {
                int extLength = extensions.stream().mapToInt(e -> e.length).sum();
                b.writeInt(0x6000_0000 | (tos << 20)).writeShort(extLength + l4Length() + body.length)
                        .writeByte(extensions.isEmpty() ? protocol() : extensions.get(0)[0]).writeByte(ttl)
                        .writeLong(ip6SrcHi).writeLong(ip6SrcLo).writeLong(ip6DstHi).writeLong(ip6DstLo);
                for (int i = 0; i < extensions.size(); i++) {
                    byte[] e = extensions.get(i).clone();
                    e[0] = (byte) (i + 1 < extensions.size() ? extensions.get(i + 1)[0] : protocol());
                    b.writeBytes(e);
                }
                writeL4(b, body, true);
            }
        }
        b.writeZero(trailer);
        byte[] out = new byte[b.readableBytes()];
        b.getBytes(0, out);
        fillChecksums(out);
        return out;
    }

    /** Writes the frame into {@code out} at its writer index. */
    public ByteBuf buildInto(ByteBuf out) {
        return out.writeBytes(build());
    }

    private void fillChecksums(byte[] frame) {
        if (l3 != L3.IPV4 && l3 != L3.IPV6) {
            return;
        }
        FrameView view = new FrameView().wrap(Unpooled.wrappedBuffer(frame));
        if (l3 == L3.IPV4) {
            view.ipv4().updateChecksum();
        }
        if (!view.isFragment() && (view.layers() & (FrameView.TCP | FrameView.UDP | FrameView.ICMP | FrameView.ICMPV6)) != 0) {
            view.updateL4Checksum();
        }
    }

    private int protocol() {
        return switch (l4) {
            case UDP -> Ipv4Header.PROTO_UDP;
            case TCP -> Ipv4Header.PROTO_TCP;
            case ICMP -> l3 == L3.IPV6 ? Ipv4Header.PROTO_ICMPV6 : Ipv4Header.PROTO_ICMP;
            case NONE -> ipProtocol < 0 ? 253 : ipProtocol; // 253: experimentation
        };
    }

    private int l4Length() {
        return switch (l4) {
            case UDP -> 8;
            case TCP -> 20 + tcpOptions.length;
            case ICMP -> icmpType < 0 ? 8 : 4;
            case NONE -> 0;
        };
    }

    private int headersLength() {
        int n = 14 + 4 * tags.size();
        return n + switch (l3) {
            case NONE -> 0;
            case ARP -> ArpHeader.LENGTH;
            case IPV4 -> 20 + ipOptions.length + l4Length();
            case IPV6 -> 40 + extensions.stream().mapToInt(e -> e.length).sum() + l4Length();
        };
    }

    private void writeL4(ByteBuf b, byte[] body, boolean v6) {
        switch (l4) {
            case UDP -> b.writeShort(srcPort).writeShort(dstPort).writeShort(8 + body.length).writeShort(0);
            case TCP -> b.writeShort(srcPort).writeShort(dstPort).writeInt((int) seq).writeInt((int) ack)
                    .writeByte((20 + tcpOptions.length) / 4 << 4).writeByte(tcpFlags).writeShort(window)
                    .writeShort(0).writeShort(0).writeBytes(tcpOptions);
            case ICMP -> {
                if (icmpType < 0) {
                    boolean request = icmpType == -2;
                    int type = v6 ? (request ? IcmpHeader.V6_ECHO_REQUEST : IcmpHeader.V6_ECHO_REPLY)
                            : (request ? IcmpHeader.ECHO_REQUEST : IcmpHeader.ECHO_REPLY);
                    b.writeByte(type).writeByte(0).writeShort(0).writeShort(icmpId).writeShort(icmpSeq);
                } else {
                    b.writeByte(icmpType).writeByte(icmpCode).writeShort(0);
                }
            }
            case NONE -> {
            }
        }
        b.writeBytes(body);
    }
}
