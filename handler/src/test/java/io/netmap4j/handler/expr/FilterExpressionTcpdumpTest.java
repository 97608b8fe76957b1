package io.netmap4j.handler.expr;

import io.netmap4j.handler.frame.FramePredicate;
import io.netmap4j.handler.frame.FrameView;
import io.netmap4j.handler.pcap.PcapReader;
import io.netmap4j.handler.pcap.PcapRecord;
import io.netmap4j.handler.testing.Decoders;
import io.netmap4j.handler.testing.RandomFrames;
import io.netmap4j.handler.testing.SampleFrames;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our compiled expressions select exactly the frames tcpdump's own filter compiler (libpcap's
 * BPF) selects from the same pcap, expression by expression.
 */
class FilterExpressionTcpdumpTest {
    private static final String[] UNTAGGED = {
        "ip", "ip6", "arp", "tcp", "udp", "icmp", "icmp6",
        "host 10.0.0.1", "src host 10.0.0.1", "dst host 192.168.1.10", "host 10.0.0.1 or 10.1.2.3",
        "not host 10.0.0.1 and 10.0.0.2", "net 10.0.0.0/16", "src net 192.168.0.0/16", "net 10", "net 192.168",
        "dst net 10.0.0.0 mask 255.255.255.0", "ip host 10.0.0.2", "arp host 10.0.0.2", "src or dst host 10.0.1.7",
        "src and dst net 10.0.0.0/8", "host 2001:db8::1", "net 2001:db8::/32", "ip6 dst net 2001:db8:1::/48",
        "port 80", "src port 53", "dst port 443", "tcp port 22", "udp port 53 or 5000", "port 80 or 443 or 8080",
        "portrange 1000-1030", "tcp dst portrange 1-1024", "udp src portrange 5000-65535",
        "tcp and not port 22", "(udp or icmp) and net 10.0.0.0/24", "not (tcp or udp)",
        "ip and udp or arp", "! ip6 && tcp || icmp6", "proto 17", "ip proto 6", "ip6 proto 58",
        "ether host 02:00:00:00:00:01", "ether src 02:00:00:00:00:02", "ether dst 02:00:00:00:00:03",
        "ether broadcast", "multicast", "ether proto 0x86dd", "less 80", "greater 100", "greater 64 and udp",
        "tcp port 80 and (src host 10.0.0.1 or dst host 10.0.0.2)",
    };
    private static final String[] SINGLE_TAGS = {
        "vlan", "vlan 10", "vlan 100 and udp", "vlan and not tcp", "vlan 20 and host 10.0.0.1", "not vlan",
        "vlan and port 53", "vlan 10 or vlan 20",
    };
    /** With QinQ frames: libpcap's later primitives look inside as many tags as 'vlan' words came before. */
    private static final String[] STACKED_TAGS = {"vlan", "vlan 10", "not vlan", "vlan 10 and vlan 20", "vlan and vlan"};

    @Test
    void untaggedFramesAgreeWithTcpdump(@TempDir Path dir) throws Exception {
        List<byte[]> frames = new ArrayList<>(RandomFrames.untagged(12, 400));
        for (byte[] f : SampleFrames.all()) {
            FrameView v = new FrameView().wrap(Unpooled.wrappedBuffer(f));
            // libpcap does not chase IPv6 extension headers for its protocol tests; see the next test.
            if (v.vlanCount() == 0 && !(v.isIpv6() && v.ipv6().nextHeader() != v.ipProtocol())) {
                frames.add(f);
            }
        }
        compare(dir, frames, UNTAGGED);
    }

    @Test
    void vlanPrimitivesAgreeWithTcpdump(@TempDir Path dir) throws Exception {
        compare(dir, RandomFrames.tagged(34, 300, false), SINGLE_TAGS);
        compare(dir, RandomFrames.tagged(56, 300, true), STACKED_TAGS);
    }

    private static void compare(Path dir, List<byte[]> frames, String[] expressions) throws IOException {
        Path in = SampleFrames.write(dir.resolve("in.pcap"), frames);
        FrameView v = new FrameView();
        for (String expression : expressions) {
            FramePredicate p = FilterExpression.compile(expression);
            List<String> ours = new ArrayList<>();
            for (byte[] f : frames) {
                if (p.test(v.wrap(Unpooled.wrappedBuffer(f)))) {
                    ours.add(HexFormat.of().formatHex(f));
                }
            }
            Path out = dir.resolve("out.pcap");
            Decoders.Result r = Decoders.tcpdump("-r", in.toString(), "-w", out.toString(), expression);
            assertEquals(0, r.exitCode(), "tcpdump refused '" + expression + "': " + r.err());
            List<String> theirs = new ArrayList<>();
            try (PcapReader reader = PcapReader.open(out)) {
                for (PcapRecord rec; (rec = reader.next()) != null; ) {
                    theirs.add(HexFormat.of().formatHex(rec.data()));
                }
            }
            assertEquals(theirs, ours, "'" + expression + "' compiled to " + p + " selects other frames than tcpdump");
        }
    }

    @Test
    void ipv6ProtocolsAreFoundAfterExtensionHeaders() {
        byte[] f = new io.netmap4j.handler.frame.FrameBuilder().ipv6("2001:db8::1", "2001:db8::2")
                .ipv6Extension(0, new byte[0]).tcp(1000, 80).build();
        FrameView v = new FrameView().wrap(Unpooled.wrappedBuffer(f));
        assertTrue(FilterExpression.compile("tcp port 80").test(v));
        assertTrue(FilterExpression.compile("ip6 proto 6").test(v));
    }

    @Test
    void badExpressionsSayWhereAndWhy() {
        FilterSyntaxException e = assertThrows(FilterSyntaxException.class, () -> FilterExpression.compile("tcp port http"));
        assertTrue(e.getMessage().contains("'http' is not a port number"), e.getMessage());
        assertEquals(9, e.column());
        assertThrows(FilterSyntaxException.class, () -> FilterExpression.compile("(tcp"));
        assertThrows(FilterSyntaxException.class, () -> FilterExpression.compile("host"));
        assertThrows(FilterSyntaxException.class, () -> FilterExpression.compile("tcp tcp"));
        assertThrows(FilterSyntaxException.class, () -> FilterExpression.compile("net 10.0.0.1/8"));
        assertThrows(FilterSyntaxException.class, () -> FilterExpression.compile("host example.com"));
        assertThrows(FilterSyntaxException.class, () -> FilterExpression.compile("10.0.0.1"));
        assertTrue(FilterExpression.compile("").test(new FrameView()), "an empty expression matches everything");
    }
}
