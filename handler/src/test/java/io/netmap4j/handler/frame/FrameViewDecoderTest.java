package io.netmap4j.handler.frame;

import io.netmap4j.handler.testing.Decoders;
import io.netmap4j.handler.testing.SampleFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The frame views read what a real decoder reads: frames built by {@link FrameBuilder} (and then
 * rewritten in place) are written to a pcap, and tshark's field values for every frame are
 * compared with the views' values, checksums included.
 */
class FrameViewDecoderTest {
    private static final String[] FIELDS = {
        "eth.src", "eth.dst", "ieee8021ad.id", "vlan.id",
        "ip.src", "ip.dst", "ip.proto", "ip.hdr_len", "ip.len", "ip.ttl", "ip.flags.mf", "ip.frag_offset",
        "ip.checksum.status",
        "ipv6.src", "ipv6.dst", "ipv6.plen", "ipv6.hlim", "ipv6.nxt", "ipv6.hopopts.nxt", "ipv6.dstopts.nxt",
        "ipv6.fraghdr.nxt", "ipv6.fraghdr.offset", "ipv6.fraghdr.more",
        "tcp.srcport", "tcp.dstport", "tcp.hdr_len", "tcp.flags", "tcp.seq_raw", "tcp.ack_raw", "tcp.checksum.status",
        "udp.srcport", "udp.dstport", "udp.length", "udp.checksum.status",
        "icmp.type", "icmp.code", "icmp.ident", "icmp.seq", "icmp.checksum.status",
        "icmpv6.type", "icmpv6.code", "icmpv6.echo.identifier", "icmpv6.echo.sequence_number", "icmpv6.checksum.status",
        "arp.opcode", "arp.src.hw_mac", "arp.src.proto_ipv4", "arp.dst.hw_mac", "arp.dst.proto_ipv4",
    };
    /** tshark's checksum status for "Good". */
    private static final String GOOD = "1";

    @Test
    void everyFieldMatchesTshark(@TempDir Path dir) throws Exception {
        List<byte[]> frames = SampleFrames.all();
        Path pcap = SampleFrames.write(dir.resolve("samples.pcap"), frames);
        compareWithTshark(frames, Decoders.tsharkFields(pcap, FIELDS));
    }

    @Test
    void rewritesInPlaceKeepEveryChecksumRight(@TempDir Path dir) throws Exception {
        List<byte[]> frames = SampleFrames.all();
        FrameView v = new FrameView();
        int rewritten = 0;
        for (byte[] f : frames) {
            v.wrap(Unpooled.wrappedBuffer(f));
            v.swapMacs();
            if (v.isIpv4()) {
                v.ipv4Source(v.ipv4().source() ^ 0x0a0b0c0d).ipv4Destination(0xc0a80001);
                v.ipv4().decrementTtl();
            }
            if (v.isIpv6()) {
                v.ipv6Source(0x2001_0db8_ffff_0000L, 0x1234_5678_9abc_def0L).ipv6Destination(-1L, 42);
            }
            if (v.sourcePort() >= 0) {
                v.sourcePort(v.sourcePort() + 1000).destinationPort(65535);
            }
            if (v.hasLayer(FrameView.ICMP) && v.icmp().type() == IcmpHeader.ECHO_REQUEST) {
                v.icmp().type(IcmpHeader.ECHO_REPLY);
            }
            if (v.hasLayer(FrameView.IPV4)) {
                assertTrue(v.ipv4().isChecksumValid(), v.describe());
            }
            if (!v.isFragment() && (v.layers() & (FrameView.TCP | FrameView.UDP | FrameView.ICMP | FrameView.ICMPV6)) != 0) {
                assertTrue(v.isL4ChecksumValid(), "incremental update disagrees with a full one: " + v.describe());
                rewritten++;
            }
        }
        assertTrue(rewritten >= 10, "only " + rewritten + " frames had an L4 checksum to keep");
        Path pcap = SampleFrames.write(dir.resolve("rewritten.pcap"), frames);
        compareWithTshark(frames, Decoders.tsharkFields(pcap, FIELDS));
    }

    private static void compareWithTshark(List<byte[]> frames, List<Map<String, String>> tshark) {
        assertEquals(frames.size(), tshark.size(), "tshark saw another number of frames");
        FrameView v = new FrameView();
        for (int i = 0; i < frames.size(); i++) {
            ByteBuf buf = Unpooled.wrappedBuffer(frames.get(i));
            v.wrap(buf);
            Map<String, String> t = tshark.get(i);
            String where = "frame " + (i + 1) + " (" + v.describe() + "): ";
            assertEquals(FrameStatus.OK, v.status(), where);
            assertEquals(t.get("eth.src"), Addresses.formatMac(v.ethernet().source()), where + "eth.src");
            assertEquals(t.get("eth.dst"), Addresses.formatMac(v.ethernet().destination()), where + "eth.dst");
            List<String> tags = new ArrayList<>();
            for (String f : new String[] {"ieee8021ad.id", "vlan.id"}) {
                if (!t.get(f).isEmpty()) {
                    tags.addAll(List.of(t.get(f).split(",")));
                }
            }
            List<String> ours = new ArrayList<>();
            for (int k = 0; k < v.vlanCount(); k++) {
                ours.add(Integer.toString(v.vlanId(k)));
            }
            assertEquals(tags, ours, where + "VLAN ids");

            assertEquals(!t.get("ip.src").isEmpty(), v.isIpv4(), where + "IPv4 layer");
            if (v.isIpv4()) {
                Ipv4Header ip = v.ipv4();
                assertEquals(t.get("ip.src"), Addresses.formatIpv4(ip.source()), where + "ip.src");
                assertEquals(t.get("ip.dst"), Addresses.formatIpv4(ip.destination()), where + "ip.dst");
                assertEquals(t.get("ip.src") + " " + t.get("ip.dst"), Addresses.formatIpv4((int) (ip.addresses() >>> 32))
                        + " " + Addresses.formatIpv4((int) ip.addresses()), where + "both addresses in one read");
                assertEquals(t.get("ip.proto"), Integer.toString(v.ipProtocol()), where + "ip.proto");
                assertEquals(t.get("ip.hdr_len"), Integer.toString(ip.headerLength()), where + "ip.hdr_len");
                assertEquals(t.get("ip.len"), Integer.toString(ip.totalLength()), where + "ip.len");
                assertEquals(t.get("ip.ttl"), Integer.toString(ip.ttl()), where + "ip.ttl");
                assertEquals(t.get("ip.flags.mf"), ip.moreFragments() ? "1" : "0", where + "ip.flags.mf");
                assertEquals(Integer.parseInt(t.get("ip.frag_offset")) * 8, ip.fragmentOffset(), where + "fragment offset");
                assertEquals(GOOD, t.get("ip.checksum.status"), where + "IPv4 header checksum");
                assertTrue(ip.isChecksumValid(), where);
            }
            assertEquals(!t.get("ipv6.src").isEmpty(), v.isIpv6(), where + "IPv6 layer");
            if (v.isIpv6()) {
                Ipv6Header ip = v.ipv6();
                assertEquals(t.get("ipv6.src"), Addresses.formatIpv6(ip.sourceHigh(), ip.sourceLow()), where + "ipv6.src");
                assertEquals(t.get("ipv6.dst"), Addresses.formatIpv6(ip.destinationHigh(), ip.destinationLow()), where + "ipv6.dst");
                assertEquals(t.get("ipv6.plen"), Integer.toString(ip.payloadLength()), where + "ipv6.plen");
                assertEquals(t.get("ipv6.hlim"), Integer.toString(ip.hopLimit()), where + "ipv6.hlim");
                assertEquals(t.get("ipv6.nxt"), Integer.toString(ip.nextHeader()), where + "ipv6.nxt");
                String upper = t.get("ipv6.fraghdr.nxt");
                for (String f : new String[] {"ipv6.dstopts.nxt", "ipv6.hopopts.nxt", "ipv6.nxt"}) {
                    if (upper.isEmpty()) {
                        upper = t.get(f);
                    }
                }
                assertEquals(upper, Integer.toString(v.ipProtocol()), where + "upper-layer protocol after extensions");
                boolean tsharkFragment = !t.get("ipv6.fraghdr.offset").isEmpty()
                        && (!t.get("ipv6.fraghdr.offset").equals("0") || t.get("ipv6.fraghdr.more").equals("1"));
                assertEquals(tsharkFragment, v.isFragment(), where + "IPv6 fragment");
            }
            if ((v.layers() & (FrameView.TCP | FrameView.UDP)) == 0) {
                assertEquals(0, v.ports(), where + "no ports without TCP or UDP");
            }
            assertEquals(!t.get("tcp.srcport").isEmpty(), v.hasLayer(FrameView.TCP), where + "TCP layer");
            if (v.hasLayer(FrameView.TCP)) {
                TcpHeader tcp = v.tcp();
                assertEquals(t.get("tcp.srcport"), Integer.toString(tcp.sourcePort()), where + "tcp.srcport");
                assertEquals(t.get("tcp.dstport"), Integer.toString(tcp.destinationPort()), where + "tcp.dstport");
                assertEquals(t.get("tcp.hdr_len"), Integer.toString(tcp.headerLength()), where + "tcp.hdr_len");
                assertEquals(t.get("tcp.flags"), String.format(Locale.ROOT, "0x%04x", tcp.flags()), where + "tcp.flags");
                assertEquals(t.get("tcp.seq_raw"), Long.toString(tcp.sequenceNumber()), where + "tcp.seq_raw");
                assertEquals(t.get("tcp.ack_raw"), Long.toString(tcp.acknowledgementNumber()), where + "tcp.ack_raw");
                assertEquals(GOOD, t.get("tcp.checksum.status"), where + "TCP checksum");
                assertEquals(v.sourcePort(), tcp.sourcePort());
                assertEquals(t.get("tcp.srcport") + " " + t.get("tcp.dstport"), (v.ports() >>> 16) + " " + (v.ports() & 0xffff),
                        where + "both TCP ports in one read");
            }
            assertEquals(!t.get("udp.srcport").isEmpty(), v.hasLayer(FrameView.UDP), where + "UDP layer");
            if (v.hasLayer(FrameView.UDP)) {
                UdpHeader udp = v.udp();
                assertEquals(t.get("udp.srcport"), Integer.toString(udp.sourcePort()), where + "udp.srcport");
                assertEquals(t.get("udp.dstport"), Integer.toString(udp.destinationPort()), where + "udp.dstport");
                assertEquals(t.get("udp.length"), Integer.toString(udp.length()), where + "udp.length");
                assertEquals(t.get("udp.srcport") + " " + t.get("udp.dstport"), (v.ports() >>> 16) + " " + (v.ports() & 0xffff),
                        where + "both UDP ports in one read");
                if (!v.isFragment()) {
                    assertEquals(GOOD, t.get("udp.checksum.status"), where + "UDP checksum");
                }
            }
            assertEquals(!t.get("icmp.type").isEmpty(), v.hasLayer(FrameView.ICMP), where + "ICMP layer");
            if (v.hasLayer(FrameView.ICMP)) {
                IcmpHeader icmp = v.icmp();
                assertEquals(t.get("icmp.type"), Integer.toString(icmp.type()), where + "icmp.type");
                assertEquals(t.get("icmp.code"), Integer.toString(icmp.code()), where + "icmp.code");
                assertEquals(t.get("icmp.ident"), Integer.toString(icmp.identifier()), where + "icmp.ident");
                assertEquals(t.get("icmp.seq"), Integer.toString(icmp.sequence()), where + "icmp.seq");
                assertEquals(GOOD, t.get("icmp.checksum.status"), where + "ICMP checksum");
            }
            assertEquals(!t.get("icmpv6.type").isEmpty(), v.hasLayer(FrameView.ICMPV6), where + "ICMPv6 layer");
            if (v.hasLayer(FrameView.ICMPV6)) {
                IcmpHeader icmp = v.icmp();
                assertEquals(t.get("icmpv6.type"), Integer.toString(icmp.type()), where + "icmpv6.type");
                assertEquals(t.get("icmpv6.code"), Integer.toString(icmp.code()), where + "icmpv6.code");
                assertEquals(t.get("icmpv6.echo.identifier"), String.format(Locale.ROOT, "0x%04x", icmp.identifier()),
                        where + "icmpv6.echo.identifier");
                assertEquals(t.get("icmpv6.echo.sequence_number"), Integer.toString(icmp.sequence()), where + "icmpv6 seq");
                assertEquals(GOOD, t.get("icmpv6.checksum.status"), where + "ICMPv6 checksum");
            }
            assertEquals(!t.get("arp.opcode").isEmpty(), v.hasLayer(FrameView.ARP), where + "ARP layer");
            if (v.hasLayer(FrameView.ARP)) {
                ArpHeader arp = v.arp();
                assertEquals(t.get("arp.opcode"), Integer.toString(arp.operation()), where + "arp.opcode");
                assertEquals(t.get("arp.src.hw_mac"), Addresses.formatMac(arp.senderMac()), where + "arp sender MAC");
                assertEquals(t.get("arp.src.proto_ipv4"), Addresses.formatIpv4(arp.senderIp()), where + "arp sender IP");
                assertEquals(t.get("arp.dst.hw_mac"), Addresses.formatMac(arp.targetMac()), where + "arp target MAC");
                assertEquals(t.get("arp.dst.proto_ipv4"), Addresses.formatIpv4(arp.targetIp()), where + "arp target IP");
            }
            assertFalse(buf.readerIndex() != 0 || buf.writerIndex() != frames.get(i).length, where + "indexes moved");
        }
    }
}
