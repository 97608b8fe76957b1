package io.netmap4j.handler.frame;

import io.netty.buffer.ByteBuf;

import java.util.Objects;

/**
 * A reusable, allocation-free view of one Ethernet frame: {@link #wrap(ByteBuf)} finds the headers
 * once (Ethernet, up to {@link #MAX_VLAN_TAGS} 802.1Q/802.1ad tags, ARP, IPv4 with options, IPv6
 * with its extension headers skipped, TCP, UDP, ICMP, ICMPv6), then the header views read and
 * write fields in place in the frame's buffer.
 *
 * <pre>{@code
 * FrameView view = new FrameView();               // one per handler, reused for every frame
 * if (view.wrap(frame).hasLayer(FrameView.UDP)) {
 *     int port = view.udp().destinationPort();
 * }
 * }</pre>
 *
 * <p>A malformed frame (truncated, a bad IHL, a length past the end, ...) is never an exception:
 * {@link #status()} says what is wrong, and the layers before the bad one stay readable
 * ({@link #layers()}). The frame starts at the buffer's reader index and ends at its writer index;
 * the view does not move either. It is valid until the next {@code wrap} and must not be used
 * after the buffer is released. Not thread-safe: one per event loop or handler.
 */
public final class FrameView {
    /** Layer bits of {@link #layers()}. */
    public static final int ETHERNET = 1;
    public static final int VLAN = 1 << 1;
    public static final int ARP = 1 << 2;
    public static final int IPV4 = 1 << 3;
    public static final int IPV6 = 1 << 4;
    /** Any IP fragment; a non-first fragment has no L4 layer. */
    public static final int FRAGMENT = 1 << 5;
    public static final int TCP = 1 << 6;
    public static final int UDP = 1 << 7;
    public static final int ICMP = 1 << 8;
    public static final int ICMPV6 = 1 << 9;
    /** Most stacked VLAN tags followed (QinQ is 2). */
    public static final int MAX_VLAN_TAGS = 8;
    /** Most IPv6 extension headers followed before giving up. */
    public static final int MAX_IPV6_EXTENSIONS = 8;

    private final EthernetHeader ethernet = new EthernetHeader();
    private final ArpHeader arp = new ArpHeader();
    private final Ipv4Header ipv4 = new Ipv4Header();
    private final Ipv6Header ipv6 = new Ipv6Header();
    private final UdpHeader udp = new UdpHeader();
    private final TcpHeader tcp = new TcpHeader();
    private final IcmpHeader icmp = new IcmpHeader();

    private ByteBuf buf;
    private int start;
    private int end;
    private FrameStatus status = FrameStatus.TRUNCATED_ETHERNET;
    private int layers;
    private int vlanCount;
    private int outerTag;
    private int innerTag;
    private int etherType;
    private int l3;
    private int ipEnd;
    private int protocol;
    private int l4;
    private int payload;

    /**
     * Finds the headers of the frame in {@code frame}'s readable bytes.
     *
     * @return this view; see {@link #status()} and {@link #layers()}
     */
    public FrameView wrap(ByteBuf frame) {
        Objects.requireNonNull(frame, "frame");
        buf = frame;
        start = frame.readerIndex();
        end = frame.writerIndex();
        layers = 0;
        vlanCount = 0;
        outerTag = innerTag = 0;
        etherType = -1;
        l3 = l4 = payload = -1;
        ipEnd = end;
        protocol = -1;
        status = parse();
        return this;
    }

    private FrameStatus parse() {
        if (end - start < EthernetHeader.LENGTH) {
            return FrameStatus.TRUNCATED_ETHERNET;
        }
        ethernet.bind(buf, start);
        layers = ETHERNET;
        int type = buf.getUnsignedShort(start + 12);
        int off = start + EthernetHeader.LENGTH;
        while (type == EthernetHeader.TYPE_VLAN || type == EthernetHeader.TYPE_QINQ || type == EthernetHeader.TYPE_QINQ_OLD) {
            if (off + 4 > end) {
                return FrameStatus.TRUNCATED_VLAN;
            }
            if (vlanCount == MAX_VLAN_TAGS) {
                return FrameStatus.TOO_MANY_VLAN_TAGS;
            }
            int tag = (type << 16) | buf.getUnsignedShort(off);
            if (vlanCount == 0) {
                outerTag = tag;
            } else if (vlanCount == 1) {
                innerTag = tag;
            }
            vlanCount++;
            layers |= VLAN;
            type = buf.getUnsignedShort(off + 2);
            off += 4;
        }
        etherType = type;
        l3 = off;
        return switch (type) {
            case EthernetHeader.TYPE_IPV4 -> parseIpv4();
            case EthernetHeader.TYPE_IPV6 -> parseIpv6();
            case EthernetHeader.TYPE_ARP -> parseArp();
            default -> FrameStatus.OK;
        };
    }

    private FrameStatus parseArp() {
        if (end - l3 < 8) {
            return FrameStatus.TRUNCATED_ARP;
        }
        // Only ARP for Ethernet and IPv4 is a layer; other hardware/protocol pairs stay plain L2.
        if (buf.getInt(l3) != 0x0001_0800 || buf.getUnsignedShort(l3 + 4) != 0x0604) {
            return FrameStatus.OK;
        }
        if (end - l3 < ArpHeader.LENGTH) {
            return FrameStatus.TRUNCATED_ARP;
        }
        arp.bind(buf, l3);
        layers |= ARP;
        return FrameStatus.OK;
    }

    private FrameStatus parseIpv4() {
        int avail = end - l3;
        if (avail < Ipv4Header.MIN_LENGTH) {
            return FrameStatus.TRUNCATED_IP;
        }
        // Every buffer read costs its checks: the first 8 bytes (version, IHL, total length,
        // fragment field) come in one.
        long first = buf.getLong(l3);
        int b0 = (int) (first >>> 56) & 0xff;
        if (b0 >>> 4 != 4) {
            return FrameStatus.BAD_IP_VERSION;
        }
        int ihl = (b0 & 0x0f) << 2;
        if (ihl < Ipv4Header.MIN_LENGTH) {
            return FrameStatus.BAD_IPV4_IHL;
        }
        if (ihl > avail) {
            return FrameStatus.TRUNCATED_IP;
        }
        int total = (int) (first >>> 32) & 0xffff;
        if (total < ihl) {
            return FrameStatus.BAD_IP_LENGTH;
        }
        if (total > avail) {
            return FrameStatus.IP_LENGTH_PAST_END;
        }
        ipv4.bind(buf, l3);
        layers |= IPV4;
        ipEnd = l3 + total;
        protocol = buf.getUnsignedByte(l3 + 9);
        int frag = (int) first & 0xffff;
        if ((frag & 0x3fff) != 0) {
            layers |= FRAGMENT;
            if ((frag & 0x1fff) != 0) {
                return FrameStatus.OK; // a later fragment: no L4 header in it
            }
        }
        return parseL4(l3 + ihl, false);
    }

    private FrameStatus parseIpv6() {
        int avail = end - l3;
        if (avail < Ipv6Header.LENGTH) {
            return FrameStatus.TRUNCATED_IP;
        }
        if (buf.getUnsignedByte(l3) >>> 4 != 6) {
            return FrameStatus.BAD_IP_VERSION;
        }
        int payloadLength = buf.getUnsignedShort(l3 + 4);
        if (Ipv6Header.LENGTH + payloadLength > avail) {
            return FrameStatus.IP_LENGTH_PAST_END;
        }
        ipv6.bind(buf, l3);
        layers |= IPV6;
        ipEnd = l3 + Ipv6Header.LENGTH + payloadLength;
        int next = buf.getUnsignedByte(l3 + 6);
        int off = l3 + Ipv6Header.LENGTH;
        for (int n = 0; ; n++) {
            int length;
            switch (next) {
                case Ipv6Header.HOP_BY_HOP, Ipv6Header.ROUTING, Ipv6Header.DESTINATION_OPTIONS, 135, 139, 140 -> {
                    if (off + 2 > ipEnd) {
                        return FrameStatus.BAD_IPV6_EXTENSION;
                    }
                    length = (buf.getUnsignedByte(off + 1) + 1) << 3;
                }
                case Ipv6Header.AUTHENTICATION -> {
                    if (off + 2 > ipEnd) {
                        return FrameStatus.BAD_IPV6_EXTENSION;
                    }
                    length = (buf.getUnsignedByte(off + 1) + 2) << 2;
                }
                case Ipv6Header.FRAGMENT -> {
                    if (off + 8 > ipEnd) {
                        return FrameStatus.BAD_IPV6_EXTENSION;
                    }
                    int fo = buf.getUnsignedShort(off + 2);
                    next = buf.getUnsignedByte(off);
                    off += 8;
                    if ((fo & 0xfff9) != 0) { // an offset or the M bit: a real fragment
                        layers |= FRAGMENT;
                        if ((fo & 0xfff8) != 0) {
                            protocol = next;
                            return FrameStatus.OK; // a later fragment: no L4 header in it
                        }
                    }
                    if (n + 1 >= MAX_IPV6_EXTENSIONS) {
                        return FrameStatus.BAD_IPV6_EXTENSION;
                    }
                    continue;
                }
                default -> {
                    protocol = next;
                    return parseL4(off, true);
                }
            }
            if (off + length > ipEnd || n + 1 >= MAX_IPV6_EXTENSIONS) {
                return FrameStatus.BAD_IPV6_EXTENSION;
            }
            next = buf.getUnsignedByte(off);
            off += length;
        }
    }

    private FrameStatus parseL4(int off, boolean v6) {
        l4 = off;
        payload = off;
        int avail = ipEnd - off;
        switch (protocol) {
            case Ipv4Header.PROTO_TCP -> {
                if (avail < TcpHeader.MIN_LENGTH) {
                    return FrameStatus.TRUNCATED_TCP;
                }
                int length = (buf.getUnsignedByte(off + 12) >>> 4) << 2;
                if (length < TcpHeader.MIN_LENGTH) {
                    return FrameStatus.BAD_TCP_DATA_OFFSET;
                }
                if (length > avail) {
                    return FrameStatus.TRUNCATED_TCP;
                }
                tcp.bind(buf, off);
                layers |= TCP;
                payload = off + length;
            }
            case Ipv4Header.PROTO_UDP -> {
                if (avail < UdpHeader.LENGTH) {
                    return FrameStatus.TRUNCATED_UDP;
                }
                int length = buf.getUnsignedShort(off + 4);
                // A first fragment holds only part of the datagram its length describes.
                if ((layers & FRAGMENT) == 0 && (length < UdpHeader.LENGTH || length > avail)) {
                    return FrameStatus.BAD_UDP_LENGTH;
                }
                udp.bind(buf, off);
                layers |= UDP;
                payload = off + UdpHeader.LENGTH;
            }
            case Ipv4Header.PROTO_ICMP, Ipv4Header.PROTO_ICMPV6 -> {
                boolean matchesVersion = v6 ? protocol == Ipv4Header.PROTO_ICMPV6 : protocol == Ipv4Header.PROTO_ICMP;
                if (!matchesVersion) {
                    return FrameStatus.OK; // ICMP inside IPv6 or ICMPv6 inside IPv4: not parsed
                }
                if (avail < IcmpHeader.LENGTH) {
                    return FrameStatus.TRUNCATED_ICMP;
                }
                icmp.bind(buf, off);
                layers |= v6 ? ICMPV6 : ICMP;
                payload = off + IcmpHeader.LENGTH;
            }
            default -> {
            }
        }
        return FrameStatus.OK;
    }

    /** {@link FrameStatus#OK}, or the first thing wrong with the frame. */
    public FrameStatus status() {
        return status;
    }

    /** True when {@link #status()} is {@link FrameStatus#OK}. */
    public boolean isValid() {
        return status == FrameStatus.OK;
    }

    /** The layers found complete, as bits ({@link #ETHERNET}, {@link #IPV4}, {@link #TCP}, ...). */
    public int layers() {
        return layers;
    }

    /** True when all the layer bits in {@code layerBits} are present. */
    public boolean hasLayer(int layerBits) {
        return (layers & layerBits) == layerBits;
    }

    public boolean isIpv4() {
        return (layers & IPV4) != 0;
    }

    public boolean isIpv6() {
        return (layers & IPV6) != 0;
    }

    /** True for any IP fragment (first, middle or last). */
    public boolean isFragment() {
        return (layers & FRAGMENT) != 0;
    }

    /** The frame's buffer. */
    public ByteBuf buffer() {
        return buf;
    }

    /** Absolute index of the frame's first byte (the buffer's reader index at {@code wrap}). */
    public int frameOffset() {
        return start;
    }

    /** Bytes in the frame. */
    public int frameLength() {
        return end - start;
    }

    /** Number of VLAN tags (0 when untagged, 2 for QinQ). */
    public int vlanCount() {
        return vlanCount;
    }

    /** VLAN id (12 bits) of tag {@code i}: 0 the outermost, 1 the next; -1 when there is no such tag. */
    public int vlanId(int i) {
        int tag = tag(i);
        return tag == -1 ? -1 : tag & 0xfff;
    }

    /** Priority code point (3 bits) of tag {@code i}; -1 when there is no such tag. */
    public int vlanPriority(int i) {
        int tag = tag(i);
        return tag == -1 ? -1 : (tag >>> 13) & 7;
    }

    /** The TPID of tag {@code i} (0x8100, 0x88A8 or 0x9100); -1 when there is no such tag. */
    public int vlanTpid(int i) {
        int tag = tag(i);
        return tag == -1 ? -1 : tag >>> 16;
    }

    private int tag(int i) {
        if (i == 0 && vlanCount > 0) {
            return outerTag;
        }
        if (i == 1 && vlanCount > 1) {
            return innerTag;
        }
        return -1;
    }

    /** The EtherType after any VLAN tags; -1 when the Ethernet header is incomplete. */
    public int etherType() {
        return etherType;
    }

    /** Absolute index of the L3 header (after the tags); -1 when the Ethernet header is incomplete. */
    public int l3Offset() {
        return l3;
    }

    /** Absolute index just past the IP packet (before Ethernet padding); the frame's end when not IP. */
    public int l3End() {
        return ipEnd;
    }

    /** The IP upper-layer protocol (after IPv6 extension headers); -1 when not IP. */
    public int ipProtocol() {
        return protocol;
    }

    /** Absolute index of the L4 header; -1 when there is none (not IP, or a later fragment). */
    public int l4Offset() {
        return l4;
    }

    /** Absolute index of the L4 payload (after TCP/UDP/ICMP headers); -1 when there is no L4 header. */
    public int payloadOffset() {
        return payload;
    }

    /** Bytes of L4 payload up to the end of the IP packet; 0 when there is no L4 header. */
    public int payloadLength() {
        return payload < 0 ? 0 : ipEnd - payload;
    }

    /** TCP or UDP source port; -1 for other frames. */
    public int sourcePort() {
        return (layers & (TCP | UDP)) != 0 ? buf.getUnsignedShort(l4) : -1;
    }

    /** TCP or UDP destination port; -1 for other frames. */
    public int destinationPort() {
        return (layers & (TCP | UDP)) != 0 ? buf.getUnsignedShort(l4 + 2) : -1;
    }

    /**
     * Both TCP or UDP ports in one read: the source port in the high 16 bits, the destination
     * port in the low 16; 0 for other frames (check {@link #layers()} first where that matters).
     */
    public int ports() {
        return (layers & (TCP | UDP)) != 0 ? buf.getInt(l4) : 0;
    }

    public EthernetHeader ethernet() {
        return require(ETHERNET, ethernet, "Ethernet");
    }

    public ArpHeader arp() {
        return require(ARP, arp, "ARP");
    }

    public Ipv4Header ipv4() {
        return require(IPV4, ipv4, "IPv4");
    }

    public Ipv6Header ipv6() {
        return require(IPV6, ipv6, "IPv6");
    }

    public TcpHeader tcp() {
        return require(TCP, tcp, "TCP");
    }

    public UdpHeader udp() {
        return require(UDP, udp, "UDP");
    }

    /** The ICMP or ICMPv6 header. */
    public IcmpHeader icmp() {
        return require(ICMP | ICMPV6, icmp, "ICMP");
    }

    private <T extends HeaderView> T require(int bits, T view, String what) {
        if ((layers & bits) == 0) {
            throw new IllegalStateException("the frame has no complete " + what + " header (" + describe() + ")");
        }
        return view;
    }

    // ---- rewriting in place, checksums kept right -------------------------------------------------

    /** Exchanges source and destination MAC. */
    public FrameView swapMacs() {
        ethernet().swapMacs();
        return this;
    }

    /** Sets the IPv4 source, updating the IP and the TCP/UDP checksums incrementally (RFC 1624). */
    public FrameView ipv4Source(int address) {
        Ipv4Header ip = ipv4();
        int old = ip.source();
        ip.source(address).checksum(Checksums.update32(ip.checksum(), old, address));
        pseudoHeaderChanged32(old, address);
        return this;
    }

    /** Sets the IPv4 destination, updating the IP and the TCP/UDP checksums incrementally (RFC 1624). */
    public FrameView ipv4Destination(int address) {
        Ipv4Header ip = ipv4();
        int old = ip.destination();
        ip.destination(address).checksum(Checksums.update32(ip.checksum(), old, address));
        pseudoHeaderChanged32(old, address);
        return this;
    }

    /** Sets the IPv6 source, updating the TCP/UDP/ICMPv6 checksum incrementally. */
    public FrameView ipv6Source(long high, long low) {
        Ipv6Header ip = ipv6();
        long oldHigh = ip.sourceHigh();
        long oldLow = ip.sourceLow();
        ip.source(high, low);
        pseudoHeaderChanged64(oldHigh, high);
        pseudoHeaderChanged64(oldLow, low);
        return this;
    }

    /** Sets the IPv6 destination, updating the TCP/UDP/ICMPv6 checksum incrementally. */
    public FrameView ipv6Destination(long high, long low) {
        Ipv6Header ip = ipv6();
        long oldHigh = ip.destinationHigh();
        long oldLow = ip.destinationLow();
        ip.destination(high, low);
        pseudoHeaderChanged64(oldHigh, high);
        pseudoHeaderChanged64(oldLow, low);
        return this;
    }

    /** Sets the TCP or UDP source port, updating the checksum incrementally. */
    public FrameView sourcePort(int port) {
        portChanged(l4, port);
        return this;
    }

    /** Sets the TCP or UDP destination port, updating the checksum incrementally. */
    public FrameView destinationPort(int port) {
        portChanged(l4 + 2, port);
        return this;
    }

    private void portChanged(int index, int port) {
        if ((layers & (TCP | UDP)) == 0) {
            throw new IllegalStateException("the frame has no TCP or UDP header (" + describe() + ")");
        }
        int old = buf.getUnsignedShort(index);
        buf.setShort(index, port);
        if ((layers & TCP) != 0) {
            tcp.checksum(Checksums.update16(tcp.checksum(), old, port));
        } else if (udp.checksum() != 0) {
            udp.checksum(nonZero(Checksums.update16(udp.checksum(), old, port)));
        }
    }

    private void pseudoHeaderChanged32(int old, int now) {
        if ((layers & TCP) != 0) {
            tcp.checksum(Checksums.update32(tcp.checksum(), old, now));
        } else if ((layers & UDP) != 0 && udp.checksum() != 0) {
            udp.checksum(nonZero(Checksums.update32(udp.checksum(), old, now)));
        }
    }

    private void pseudoHeaderChanged64(long old, long now) {
        if ((layers & TCP) != 0) {
            tcp.checksum(Checksums.update64(tcp.checksum(), old, now));
        } else if ((layers & UDP) != 0) {
            udp.checksum(nonZero(Checksums.update64(udp.checksum(), old, now)));
        } else if ((layers & ICMPV6) != 0) {
            icmp.checksum(Checksums.update64(icmp.checksum(), old, now));
        }
    }

    /** UDP sends a computed checksum of 0 as 0xFFFF (0 means "no checksum"). */
    private static int nonZero(int checksum) {
        return checksum == 0 ? 0xffff : checksum;
    }

    /**
     * The TCP, UDP, ICMP or ICMPv6 checksum the packet should carry (pseudo-header included where
     * the protocol covers one), computed over the whole L4 segment.
     *
     * @throws IllegalStateException for a fragment (the segment is not all here) or another protocol
     */
    public int computeL4Checksum() {
        int field = checksumFieldOffset();
        long sum = l4Sum() - buf.getUnsignedShort(field);
        int c = Checksums.finish(sum);
        return (layers & UDP) != 0 ? nonZero(c) : c;
    }

    /** True when the L4 checksum is right (a UDP checksum of 0 over IPv4 means none, and is right). */
    public boolean isL4ChecksumValid() {
        int field = checksumFieldOffset();
        if ((layers & (UDP | IPV4)) == (UDP | IPV4) && buf.getUnsignedShort(field) == 0) {
            return true;
        }
        return Checksums.fold(l4Sum()) == 0xffff;
    }

    /** Recomputes and writes the L4 checksum (see {@link #computeL4Checksum()}). */
    public FrameView updateL4Checksum() {
        buf.setShort(checksumFieldOffset(), computeL4Checksum());
        return this;
    }

    private int checksumFieldOffset() {
        if ((layers & FRAGMENT) != 0) {
            throw new IllegalStateException("cannot checksum a fragment: the L4 segment is not all in this frame");
        }
        if ((layers & TCP) != 0) {
            return l4 + 16;
        }
        if ((layers & UDP) != 0) {
            return l4 + 6;
        }
        if ((layers & (ICMP | ICMPV6)) != 0) {
            return l4 + 2;
        }
        throw new IllegalStateException("the frame has no TCP, UDP, ICMP or ICMPv6 header (" + describe() + ")");
    }

    private long l4Sum() {
        int length = ipEnd - l4;
        long sum = Checksums.sum(buf, l4, length);
        if ((layers & ICMP) != 0) {
            return sum; // ICMPv4 covers no pseudo-header
        }
        if ((layers & IPV4) != 0) {
            return sum + Checksums.ipv4PseudoHeaderSum(ipv4.source(), ipv4.destination(), protocol, length);
        }
        return sum + Checksums.ipv6PseudoHeaderSum(ipv6.sourceHigh(), ipv6.sourceLow(), ipv6.destinationHigh(),
                ipv6.destinationLow(), protocol, length);
    }

    /** A short description of what was found, for messages (allocates; not for the per-frame path). */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(frameLength()).append(" B");
        if ((layers & VLAN) != 0) {
            sb.append(", vlan ").append(vlanId(0));
            if (vlanCount > 1) {
                sb.append('/').append(vlanId(1));
            }
        }
        if (etherType >= 0) {
            sb.append(", ethertype 0x").append(Integer.toHexString(etherType));
        }
        if (protocol >= 0) {
            sb.append(", ip proto ").append(protocol);
        }
        if ((layers & FRAGMENT) != 0) {
            sb.append(", fragment");
        }
        if (status != FrameStatus.OK) {
            sb.append(", malformed: ").append(status.description());
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return buf == null ? "FrameView(empty)" : "FrameView(" + describe() + ")";
    }
}
