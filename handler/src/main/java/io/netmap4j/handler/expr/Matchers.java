package io.netmap4j.handler.expr;

import io.netmap4j.handler.frame.EthernetHeader;
import io.netmap4j.handler.frame.FramePredicate;
import io.netmap4j.handler.frame.FrameView;

/**
 * The leaves and connectives a filter expression compiles to. Each is a small immutable object;
 * testing a frame reads a few fields of the {@link FrameView} and allocates nothing. Their
 * {@code toString} is the compiled form that {@code capture -d} prints.
 */
final class Matchers {
    /** Which address or port of a frame a primitive looks at. */
    static final int SRC = 1;
    static final int DST = 2;
    static final int EITHER = SRC | DST;
    /** {@code src and dst}: both must match. */
    static final int BOTH = 4;

    private Matchers() {
    }

    static boolean direction(int dir, boolean src, boolean dst) {
        return switch (dir) {
            case SRC -> src;
            case DST -> dst;
            case BOTH -> src && dst;
            default -> src || dst;
        };
    }

    static String dirName(int dir) {
        return switch (dir) {
            case SRC -> "src ";
            case DST -> "dst ";
            case BOTH -> "src and dst ";
            default -> "";
        };
    }

    record And(FramePredicate left, FramePredicate right) implements FramePredicate {
        @Override
        public boolean test(FrameView f) {
            return left.test(f) && right.test(f);
        }

        @Override
        public String toString() {
            return "(" + left + " and " + right + ")";
        }
    }

    record Or(FramePredicate left, FramePredicate right) implements FramePredicate {
        @Override
        public boolean test(FrameView f) {
            return left.test(f) || right.test(f);
        }

        @Override
        public String toString() {
            return "(" + left + " or " + right + ")";
        }
    }

    record Not(FramePredicate inner) implements FramePredicate {
        @Override
        public boolean test(FrameView f) {
            return !inner.test(f);
        }

        @Override
        public String toString() {
            return "not " + inner;
        }
    }

    /** The EtherType after any VLAN tags. */
    record EtherType(int type) implements FramePredicate {
        @Override
        public boolean test(FrameView f) {
            return f.etherType() == type;
        }

        @Override
        public String toString() {
            return "ether proto 0x" + Integer.toHexString(type);
        }
    }

    /** The IP upper-layer protocol, after IPv6 extension headers; {@code etherType} -1 for either IP version. */
    record IpProtocol(int etherType, int protocol) implements FramePredicate {
        @Override
        public boolean test(FrameView f) {
            int t = f.etherType();
            boolean ip = etherType < 0 ? (t == EthernetHeader.TYPE_IPV4 || t == EthernetHeader.TYPE_IPV6) : t == etherType;
            return ip && f.ipProtocol() == protocol;
        }

        @Override
        public String toString() {
            String family = etherType == EthernetHeader.TYPE_IPV4 ? "ip " : etherType == EthernetHeader.TYPE_IPV6 ? "ip6 " : "";
            return family + "proto " + protocol;
        }
    }

    /**
     * An IPv4 address under a mask, in the IPv4 header and/or (for an unqualified {@code host}
     * or {@code net}, as libpcap does) the sender/target of an ARP packet.
     */
    record Ipv4Address(int dir, int address, int mask, boolean ip, boolean arp) implements FramePredicate {
        @Override
        public boolean test(FrameView f) {
            if (ip && f.isIpv4()) {
                return direction(dir, (f.ipv4().source() & mask) == address, (f.ipv4().destination() & mask) == address);
            }
            if (arp && f.hasLayer(FrameView.ARP)) {
                return direction(dir, (f.arp().senderIp() & mask) == address, (f.arp().targetIp() & mask) == address);
            }
            return false;
        }

        @Override
        public String toString() {
            String proto = ip && arp ? "" : ip ? "ip " : "arp ";
            return proto + dirName(dir) + "net " + io.netmap4j.handler.frame.Addresses.formatIpv4(address) + "/"
                    + Integer.bitCount(mask);
        }
    }

    /** An IPv6 address under a prefix. */
    record Ipv6Address(int dir, long high, long low, long maskHigh, long maskLow) implements FramePredicate {
        @Override
        public boolean test(FrameView f) {
            if (!f.isIpv6()) {
                return false;
            }
            var ip = f.ipv6();
            boolean src = (ip.sourceHigh() & maskHigh) == high && (ip.sourceLow() & maskLow) == low;
            boolean dst = (ip.destinationHigh() & maskHigh) == high && (ip.destinationLow() & maskLow) == low;
            return direction(dir, src, dst);
        }

        @Override
        public String toString() {
            return "ip6 " + dirName(dir) + "net " + io.netmap4j.handler.frame.Addresses.formatIpv6(high, low) + "/"
                    + (Long.bitCount(maskHigh) + Long.bitCount(maskLow));
        }
    }

    /** A TCP and/or UDP port range. {@code layers} is {@link FrameView#TCP}, {@link FrameView#UDP} or both. */
    record Port(int dir, int low, int high, int layers) implements FramePredicate {
        @Override
        public boolean test(FrameView f) {
            if ((f.layers() & layers) == 0) {
                return false;
            }
            int s = f.sourcePort();
            int d = f.destinationPort();
            return direction(dir, s >= low && s <= high, d >= low && d <= high);
        }

        @Override
        public String toString() {
            String proto = layers == FrameView.TCP ? "tcp " : layers == FrameView.UDP ? "udp " : "";
            return proto + dirName(dir) + (low == high ? "port " + low : "portrange " + low + "-" + high);
        }
    }

    /** An Ethernet address. */
    record EtherAddress(int dir, long mac) implements FramePredicate {
        @Override
        public boolean test(FrameView f) {
            if (!f.hasLayer(FrameView.ETHERNET)) {
                return false;
            }
            return direction(dir, f.ethernet().source() == mac, f.ethernet().destination() == mac);
        }

        @Override
        public String toString() {
            return "ether " + dirName(dir) + "host " + io.netmap4j.handler.frame.Addresses.formatMac(mac);
        }
    }

    /** A group (multicast or broadcast) destination MAC. */
    record EtherMulticast() implements FramePredicate {
        @Override
        public boolean test(FrameView f) {
            return f.hasLayer(FrameView.ETHERNET) && f.ethernet().isMulticast();
        }

        @Override
        public String toString() {
            return "ether multicast";
        }
    }

    /**
     * The {@code index}-th VLAN tag (0 the outermost) exists and, unless {@code id} is -1, has
     * that VLAN id.
     */
    record Vlan(int index, int id) implements FramePredicate {
        @Override
        public boolean test(FrameView f) {
            return f.vlanCount() > index && (id < 0 || f.vlanId(index) == id);
        }

        @Override
        public String toString() {
            return "vlan" + (id < 0 ? "" : " " + id) + (index > 0 ? " (tag " + (index + 1) + ")" : "");
        }
    }

    /** Frame length in [min, max]. */
    record Length(int min, int max) implements FramePredicate {
        @Override
        public boolean test(FrameView f) {
            int n = f.frameLength();
            return n >= min && n <= max;
        }

        @Override
        public String toString() {
            return max == Integer.MAX_VALUE ? "greater " + min : "less " + max;
        }
    }
}
