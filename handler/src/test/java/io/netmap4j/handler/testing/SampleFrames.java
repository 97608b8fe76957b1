package io.netmap4j.handler.testing;

import io.netmap4j.handler.frame.ArpHeader;
import io.netmap4j.handler.frame.EthernetHeader;
import io.netmap4j.handler.frame.FrameBuilder;
import io.netmap4j.handler.frame.TcpHeader;
import io.netmap4j.handler.pcap.PcapWriter;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A varied set of well-formed frames, built with {@link FrameBuilder}, and a way to write them to a pcap. */
public final class SampleFrames {
    private SampleFrames() {
    }

    public static List<byte[]> all() {
        List<byte[]> f = new ArrayList<>();
        f.add(new FrameBuilder().ipv4("10.0.0.1", "10.1.2.3").udp(1234, 53).payloadLength(20).build());
        f.add(new FrameBuilder().source("02:aa:bb:cc:dd:ee").destination("ff:ff:ff:ff:ff:ff")
                .ipv4("192.168.1.10", "192.168.1.255").udp(68, 67).payloadLength(7).trailer(9).build());
        f.add(new FrameBuilder().ipv4("10.0.0.2", "172.16.5.4").ttl(3).identification(77)
                .ipv4Options(new byte[] {(byte) 0x94, 4, 0, 0}) // router alert
                .tcp(40000, 80).tcpFlags(TcpHeader.SYN, 1000, 0).tcpOptions(new byte[] {2, 4, 5, (byte) 0xb4})
                .build());
        f.add(new FrameBuilder().ipv4("10.0.0.3", "10.0.0.4").tcp(443, 51000)
                .tcpFlags(TcpHeader.ACK | TcpHeader.PSH, 123456789L, 987654321L).payloadLength(100).build());
        f.add(new FrameBuilder().ipv4("10.9.8.7", "10.0.0.1").icmpEcho(true, 0x1234, 7).payloadLength(56).build());
        f.add(new FrameBuilder().vlan(100).ipv4("10.0.0.5", "10.0.0.6").udp(5000, 6000).payloadLength(10).build());
        f.add(new FrameBuilder().vlan(EthernetHeader.TYPE_QINQ, 200, 3).vlan(EthernetHeader.TYPE_VLAN, 20, 5)
                .ipv4("10.0.0.7", "10.0.0.8").tcp(1, 2).build());
        f.add(new FrameBuilder().arp(ArpHeader.REQUEST, 0x02_00_00_00_00_01L, "10.0.0.1", 0, "10.0.0.2").trailer(18).build());
        f.add(new FrameBuilder().destination(EthernetHeader.BROADCAST)
                .arp(ArpHeader.REPLY, 0x02_00_00_00_00_02L, "10.0.0.2", 0x02_00_00_00_00_01L, "10.0.0.1").build());
        f.add(new FrameBuilder().ipv6("2001:db8::1", "2001:db8::2").udp(547, 546).payloadLength(30).build());
        f.add(new FrameBuilder().ipv6("fe80::1", "ff02::1").ipv6Extension(0, new byte[0])
                .ipv6Extension(60, new byte[0]).tcp(22, 50000).tcpFlags(TcpHeader.ACK, 5, 6).payloadLength(12).build());
        f.add(new FrameBuilder().ipv6("2001:db8:1::10", "2001:db8:2::20").icmpEcho(true, 99, 1).payloadLength(8).build());
        f.add(new FrameBuilder().vlan(7).ipv6("2001:db8::a", "2001:db8::b").udp(30000, 30001).payloadLength(40).build());
        f.add(new FrameBuilder().ipv4("10.0.0.1", "10.0.0.9").identification(555).fragment(0, true)
                .udp(1111, 2222).payloadLength(64).build());
        f.add(new FrameBuilder().ipv4("10.0.0.1", "10.0.0.9").identification(555).fragment(72, false)
                .ipProtocol(17).payloadLength(40).build());
        f.add(new FrameBuilder().ipv6("2001:db8::1", "2001:db8::9").identification(9).fragment(64, false)
                .ipProtocol(17).payloadLength(24).build());
        f.add(new FrameBuilder().etherType(0x88cc).payloadLength(46).build()); // LLDP-ish, not parsed
        f.add(new FrameBuilder().ipv4("10.3.3.3", "10.4.4.4").ipProtocol(47).payloadLength(20).build()); // GRE
        return f;
    }

    /** Writes {@code frames} to a new pcap at {@code path}, one microsecond apart. */
    public static Path write(Path path, List<byte[]> frames) throws IOException {
        try (PcapWriter w = PcapWriter.create(path)) {
            long t = 1_700_000_000_000_000_000L;
            for (byte[] frame : frames) {
                w.write(frame, frame.length, t);
                t += 1000;
            }
        }
        return path;
    }
}
