package io.netmap4j.handler.testing;

import io.netmap4j.handler.frame.ArpHeader;
import io.netmap4j.handler.frame.FrameBuilder;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Frames with addresses, ports and protocols drawn from small pools, so that filters hit and miss. */
public final class RandomFrames {
    private static final String[] V4 = {"10.0.0.1", "10.0.0.2", "10.0.1.7", "10.1.2.3", "192.168.1.10", "192.168.7.1", "172.16.0.5"};
    private static final String[] V6 = {"2001:db8::1", "2001:db8::2", "2001:db8:1::9", "fe80::1", "2001:db9::5"};
    private static final int[] PORTS = {22, 53, 80, 443, 1023, 1024, 1025, 5000, 8080, 40000, 65535};

    private RandomFrames() {
    }

    /** {@code n} untagged frames (IPv4 TCP/UDP/ICMP, fragments, IPv6 TCP/UDP/ICMPv6, ARP, other EtherTypes). */
    public static List<byte[]> untagged(long seed, int n) {
        return generate(seed, n, false);
    }

    /** Frames of which about half carry one VLAN tag, and (with {@code qinq}) some of those a second. */
    public static List<byte[]> tagged(long seed, int n, boolean qinq) {
        return generate(seed, n, true, qinq);
    }

    private static List<byte[]> generate(long seed, int n, boolean tags) {
        return generate(seed, n, tags, false);
    }

    private static List<byte[]> generate(long seed, int n, boolean tags, boolean qinq) {
        Random r = new Random(seed);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            FrameBuilder b = new FrameBuilder();
            b.source(0x02_00_00_00_00_00L | r.nextInt(4)).destination(r.nextInt(8) == 0 ? 0xffff_ffff_ffffL
                    : r.nextInt(8) == 0 ? 0x01_00_5e_00_00_01L : 0x02_00_00_00_00_00L | r.nextInt(4));
            if (tags && r.nextBoolean()) {
                b.vlan(new int[] {10, 20, 100}[r.nextInt(3)]);
                if (qinq && r.nextInt(3) == 0) {
                    b.vlan(new int[] {10, 20, 30}[r.nextInt(3)]);
                }
            }
            int kind = r.nextInt(20);
            if (kind < 13) {
                b.ipv4(V4[r.nextInt(V4.length)], V4[r.nextInt(V4.length)]);
                boolean frag = r.nextInt(10) == 0;
                boolean later = frag && r.nextBoolean();
                if (frag) {
                    // A first fragment carries the L4 header; a later one only data.
                    b.identification(r.nextInt(65536)).fragment(later ? 8 * (1 + r.nextInt(100)) : 0, later || r.nextBoolean());
                }
                l4(b, r, later);
            } else if (kind < 17) {
                b.ipv6(V6[r.nextInt(V6.length)], V6[r.nextInt(V6.length)]);
                l4(b, r, false);
            } else if (kind < 19) {
                b.arp(r.nextBoolean() ? ArpHeader.REQUEST : ArpHeader.REPLY, 0x02_00_00_00_00_01L, V4[r.nextInt(V4.length)],
                        0, V4[r.nextInt(V4.length)]);
            } else {
                b.etherType(0x88b5).payloadLength(46);
            }
            out.add(b.build());
        }
        return out;
    }

    private static void l4(FrameBuilder b, Random r, boolean bareProtocol) {
        int p = r.nextInt(5);
        if (bareProtocol) {
            b.ipProtocol(p < 2 ? 6 : 17).payloadLength(24);
        } else if (p < 2) {
            b.tcp(PORTS[r.nextInt(PORTS.length)], PORTS[r.nextInt(PORTS.length)]).payloadLength(r.nextInt(40));
        } else if (p < 4) {
            b.udp(PORTS[r.nextInt(PORTS.length)], PORTS[r.nextInt(PORTS.length)]).payloadLength(r.nextInt(40));
        } else {
            b.icmpEcho(true, r.nextInt(65536), r.nextInt(65536)).payloadLength(r.nextInt(40));
        }
        if (r.nextInt(10) == 0) {
            b.frameLength(80 + r.nextInt(200));
        }
    }
}
