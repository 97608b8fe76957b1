package io.netmap4j.handler.frame;

import io.netmap4j.handler.testing.Decoders;
import io.netmap4j.handler.testing.SampleFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Malformed frames are reported, never thrown; each kind is one a real decoder also flags. */
class FrameViewMalformedTest {

    @Test
    void everyTruncationIsReportedWithoutAnException() {
        FrameView v = new FrameView();
        int reported = 0;
        for (byte[] f : SampleFrames.all()) {
            FrameView whole = new FrameView().wrap(Unpooled.wrappedBuffer(f));
            for (int len = 0; len < f.length; len++) {
                ByteBuf cut = Unpooled.wrappedBuffer(f, 0, len);
                v.wrap(cut);
                // Every layer the view reports must be readable in full.
                readEveryReportedLayer(v);
                if (v.status() != FrameStatus.OK) {
                    reported++;
                    assertNotEquals(whole.layers(), v.layers(), "a malformed frame reported every layer: " + v.describe());
                }
            }
        }
        assertTrue(reported > 500, "only " + reported + " truncations were reported");
    }

    private static void readEveryReportedLayer(FrameView v) {
        if (v.hasLayer(FrameView.ETHERNET)) {
            v.ethernet().source();
            v.ethernet().destination();
        }
        if (v.hasLayer(FrameView.ARP)) {
            v.arp().targetIp();
        }
        if (v.isIpv4()) {
            v.ipv4().destination();
            v.ipv4().isChecksumValid();
        }
        if (v.isIpv6()) {
            v.ipv6().destinationLow();
        }
        if (v.hasLayer(FrameView.TCP)) {
            v.tcp().urgentPointer();
        }
        if (v.hasLayer(FrameView.UDP)) {
            v.udp().checksum();
        }
        if ((v.layers() & (FrameView.ICMP | FrameView.ICMPV6)) != 0) {
            v.icmp().checksum();
        }
        v.sourcePort();
        v.destinationPort();
        v.payloadLength();
    }

    private record Case(String name, byte[] frame, FrameStatus status) {
    }

    private static byte[] modify(byte[] frame, Consumer<ByteBuf> change) {
        byte[] copy = frame.clone();
        change.accept(Unpooled.wrappedBuffer(copy));
        return copy;
    }

    private static List<Case> cases() {
        byte[] udp4 = new FrameBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(40000, 40001).payloadLength(30).build();
        byte[] tcp4 = new FrameBuilder().ipv4("10.0.0.1", "10.0.0.2").tcp(40000, 80).payloadLength(30).build();
        byte[] udp6 = new FrameBuilder().ipv6("2001:db8::1", "2001:db8::2").udp(40000, 40001).payloadLength(30).build();
        byte[] ext6 = new FrameBuilder().ipv6("2001:db8::1", "2001:db8::2").ipv6Extension(0, new byte[0])
                .udp(40000, 40001).payloadLength(4).build();
        byte[] tagged = new FrameBuilder().vlan(5).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build();
        List<Case> c = new ArrayList<>();
        c.add(new Case("IHL 4", modify(udp4, b -> b.setByte(14, 0x44)), FrameStatus.BAD_IPV4_IHL));
        c.add(new Case("IHL 15 past the end of a short packet", Arrays.copyOf(modify(udp4, b -> b.setByte(14, 0x4f)), 14 + 40),
                FrameStatus.TRUNCATED_IP));
        c.add(new Case("IPv4 total length past the end", modify(udp4, b -> b.setShort(16, 1000)), FrameStatus.IP_LENGTH_PAST_END));
        c.add(new Case("IPv4 total length below the header", modify(udp4, b -> b.setShort(16, 12)), FrameStatus.BAD_IP_LENGTH));
        c.add(new Case("IP version 5 under EtherType IPv4", modify(udp4, b -> b.setByte(14, 0x55)), FrameStatus.BAD_IP_VERSION));
        c.add(new Case("TCP data offset 3", modify(tcp4, b -> b.setByte(14 + 20 + 12, 0x30)), FrameStatus.BAD_TCP_DATA_OFFSET));
        c.add(new Case("TCP data offset past the packet", modify(tcp4, b -> b.setByte(14 + 20 + 12, 0xf0)), FrameStatus.TRUNCATED_TCP));
        c.add(new Case("UDP length 4", modify(udp4, b -> b.setShort(14 + 20 + 4, 4)), FrameStatus.BAD_UDP_LENGTH));
        c.add(new Case("UDP length past the packet", modify(udp4, b -> b.setShort(14 + 20 + 4, 500)), FrameStatus.BAD_UDP_LENGTH));
        c.add(new Case("IPv6 payload length past the end", modify(udp6, b -> b.setShort(18, 2000)), FrameStatus.IP_LENGTH_PAST_END));
        c.add(new Case("IPv6 extension header past the packet", modify(ext6, b -> b.setByte(14 + 40 + 1, 20)),
                FrameStatus.BAD_IPV6_EXTENSION));
        c.add(new Case("frame cut inside a VLAN tag", Arrays.copyOf(tagged, 16), FrameStatus.TRUNCATED_VLAN));
        c.add(new Case("frame cut inside the IPv4 header", Arrays.copyOf(udp4, 14 + 12), FrameStatus.TRUNCATED_IP));
        return c;
    }

    @Test
    void eachMalformationHasItsStatusAndTsharkFlagsItToo(@TempDir Path dir) throws Exception {
        List<Case> cases = cases();
        FrameView v = new FrameView();
        List<byte[]> frames = new ArrayList<>();
        for (Case c : cases) {
            v.wrap(Unpooled.wrappedBuffer(c.frame));
            assertEquals(c.status, v.status(), c.name + ": " + v.describe());
            assertFalse(v.status().description().isEmpty());
            frames.add(c.frame);
        }
        Path pcap = SampleFrames.write(dir.resolve("malformed.pcap"), frames);
        List<Map<String, String>> t = Decoders.tsharkFields(pcap, "_ws.malformed", "_ws.expert.severity", "_ws.expert.message");
        assertEquals(cases.size(), t.size());
        for (int i = 0; i < cases.size(); i++) {
            Map<String, String> m = t.get(i);
            boolean flagged = !m.get("_ws.malformed").isEmpty() || !m.get("_ws.expert.message").isEmpty();
            assertTrue(flagged, cases.get(i).name + ": tshark found nothing wrong: " + m);
        }
    }

    @Test
    void rfc1624ExampleGivesZeroNotFfff() {
        // RFC 1624 section 4: HC = 0xDD2F, m = 0x5555 -> m' = 0x3285 gives HC' = 0x0000 by equation 3.
        assertEquals(0x0000, Checksums.update16(0xdd2f, 0x5555, 0x3285));
    }

    @Test
    void builderHonoursTheFrameLengthAndTrailer() {
        byte[] f = new FrameBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).frameLength(64).build();
        assertEquals(64, f.length);
        FrameView v = new FrameView().wrap(Unpooled.wrappedBuffer(f));
        assertEquals(64 - 42, v.payloadLength());
        byte[] padded = new FrameBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).trailer(18).build();
        v.wrap(Unpooled.wrappedBuffer(padded));
        assertEquals(FrameStatus.OK, v.status());
        assertEquals(42, v.l3End());
        assertEquals(60, v.frameLength());
    }

    @Test
    void swapMacsExchangesTheAddresses() {
        byte[] f = new FrameBuilder().source("02:11:22:33:44:55").destination("0a:bb:cc:dd:ee:ff").etherType(0x88b5).build();
        EthernetHeader e = new EthernetHeader().wrap(Unpooled.wrappedBuffer(f), 0);
        e.swapMacs();
        assertEquals(Addresses.parseMac("0a:bb:cc:dd:ee:ff"), e.source());
        assertEquals(Addresses.parseMac("02:11:22:33:44:55"), e.destination());
        assertEquals(0x88b5, e.etherType());
    }
}
