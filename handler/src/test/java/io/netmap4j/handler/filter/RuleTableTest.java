package io.netmap4j.handler.filter;

import io.netmap4j.handler.frame.FrameView;
import io.netmap4j.handler.testing.RandomFrames;
import io.netmap4j.handler.testing.SampleFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The compiled table decides exactly as a plain first-match scan of the same rules does. */
class RuleTableTest {
    private static final String[] V4 = {"10.0.0.0/8", "10.0.0.0/16", "10.0.1.7", "192.168.0.0/16", "192.168.1.10/32",
        "172.16.0.0/12", "0.0.0.0/0", "10.1.2.2/31"};
    private static final String[] V6 = {"2001:db8::/32", "2001:db8:1::/48", "fe80::/10", "2001:db8::1", "::/0"};
    private static final String[] PROTOS = {"any", "ip", "ip4", "ip6", "tcp", "udp", "icmp", "icmp6", "arp", "47"};
    private static final String[] PORTS = {"22", "53", "80", "1024-65535", "0-1023", "443-8080", "5000"};

    private static String randomRules(Random r, int n) {
        StringBuilder sb = new StringBuilder("default " + (r.nextBoolean() ? "allow" : "deny") + "\n");
        for (int i = 0; i < n; i++) {
            String action = new String[] {"allow", "deny", "count"}[r.nextInt(3)];
            String proto = PROTOS[r.nextInt(PROTOS.length)];
            boolean ports = (proto.equals("tcp") || proto.equals("udp")) && r.nextBoolean();
            boolean v6 = proto.equals("ip6") || proto.equals("icmp6") || !proto.equals("ip4") && !proto.equals("icmp")
                    && r.nextInt(3) == 0;
            boolean addresses = !proto.equals("arp") && !proto.equals("any") && r.nextBoolean();
            sb.append(action).append(' ').append(proto);
            if (addresses || ports) {
                String[] pool = v6 ? V6 : V4;
                sb.append(" from ").append(addresses && r.nextBoolean() ? pool[r.nextInt(pool.length)] : "any");
                if (ports && r.nextBoolean()) {
                    sb.append(" port ").append(PORTS[r.nextInt(PORTS.length)]);
                }
                sb.append(" to ").append(addresses && r.nextBoolean() ? pool[r.nextInt(pool.length)] : "any");
                if (ports && r.nextBoolean()) {
                    sb.append(" port ").append(PORTS[r.nextInt(PORTS.length)]);
                }
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The obvious scan: every rule in order, every field checked directly. */
    private static int scan(RuleTable t, FrameView f, long[] counts) {
        List<Rule> rules = t.rules();
        for (int i = 0; i < rules.size(); i++) {
            Rule r = rules.get(i);
            if (matches(r, f)) {
                counts[i]++;
                if (r.action() != RuleAction.COUNT) {
                    return i;
                }
            }
        }
        return -1;
    }

    private static boolean matches(Rule r, FrameView f) {
        boolean ip4 = f.isIpv4();
        boolean ip6 = f.isIpv6();
        boolean proto = switch (r.protocol()) {
            case Rule.ANY -> true;
            case Rule.IP -> ip4 || ip6;
            case Rule.IP4 -> ip4;
            case Rule.IP6 -> ip6;
            case Rule.ARP -> f.hasLayer(FrameView.ARP);
            default -> (ip4 || ip6) && f.ipProtocol() == r.protocol();
        };
        if (!proto || !address(r.source(), f, true) || !address(r.destination(), f, false)) {
            return false;
        }
        if (!r.hasPorts()) {
            return true;
        }
        if ((f.layers() & (FrameView.TCP | FrameView.UDP)) == 0) {
            return false;
        }
        int sp = f.sourcePort();
        int dp = f.destinationPort();
        return sp >= r.sourcePortLow() && sp <= r.sourcePortHigh() && dp >= r.destinationPortLow() && dp <= r.destinationPortHigh();
    }

    private static boolean address(Rule.Prefix p, FrameView f, boolean source) {
        if (p.version() == 0) {
            return true;
        }
        long[] first = p.first();
        long[] last = p.last();
        long hi;
        long lo;
        if (p.version() == 4) {
            if (!f.isIpv4()) {
                return false;
            }
            hi = 0;
            lo = (source ? f.ipv4().source() : f.ipv4().destination()) & 0xffffffffL;
        } else {
            if (!f.isIpv6()) {
                return false;
            }
            hi = source ? f.ipv6().sourceHigh() : f.ipv6().destinationHigh();
            lo = source ? f.ipv6().sourceLow() : f.ipv6().destinationLow();
        }
        return compare(hi, lo, first) >= 0 && compare(hi, lo, last) <= 0;
    }

    private static int compare(long hi, long lo, long[] v) {
        int c = Long.compareUnsigned(hi, v[0]);
        return c != 0 ? c : Long.compareUnsigned(lo, v[1]);
    }

    @Test
    void decidesAndCountsLikeAFirstMatchScan() {
        Random r = new Random(7);
        List<byte[]> frames = new ArrayList<>(RandomFrames.untagged(3, 600));
        frames.addAll(SampleFrames.all());
        FrameView v = new FrameView();
        for (int round = 0; round < 40; round++) {
            int n = 1 + r.nextInt(round < 20 ? 20 : 150); // beyond 64 and 128 rules, several bit-set words
            RuleTable t = RuleTable.parse(randomRules(r, n), "random rules " + round);
            RuleCounters counters = t.newCounters();
            long[] expected = new long[n];
            for (byte[] f : frames) {
                v.wrap(Unpooled.wrappedBuffer(f));
                int want = scan(t, v, expected);
                int got = t.match(v, counters);
                assertEquals(want, got, "round " + round + ", frame " + v.describe() + ", rules:\n" + t);
            }
            assertArrayEquals(expected, counters.snapshot().frames(), "per-rule counts, round " + round);
        }
    }

    @Test
    void theDocumentedExampleParses() {
        RuleTable t = RuleTable.parse("""
                # first match wins
                default allow
                malformed deny
                allow tcp from 10.0.0.0/8 to 192.168.1.0/24 port 80-443
                count udp from any port 53 to any
                deny  ip6 from 2001:db8::/32 to any
                allow arp
                deny udp
                """, "example");
        assertEquals(5, t.rules().size());
        assertSame(RuleAction.ALLOW, t.defaultAction());
        FrameView v = new FrameView();
        RuleCounters c = t.newCounters();
        byte[] dns = new io.netmap4j.handler.frame.FrameBuilder().ipv4("10.0.0.1", "10.0.0.2").udp(53, 4000).build();
        assertEquals(4, t.match(v.wrap(Unpooled.wrappedBuffer(dns)), c), "counted by line 5, denied by the last rule");
        assertEquals(1, c.snapshot().frames()[1]);
        assertEquals(1, c.snapshot().frames()[4]);
    }

    @Test
    void badRulesNameTheirLine() {
        RuleSyntaxException e = assertThrows(RuleSyntaxException.class,
                () -> RuleTable.parse("allow tcp\nallow icmp from any port 80 to any\n", "rules.txt"));
        assertEquals(2, e.line());
        assertTrue(e.getMessage().contains("rules.txt line 2"), e.getMessage());
        assertThrows(RuleSyntaxException.class, () -> RuleTable.parse("permit tcp", "x"));
        assertThrows(RuleSyntaxException.class, () -> RuleTable.parse("allow tcp from 10.0.0.1/8 to any", "x"));
        assertThrows(RuleSyntaxException.class, () -> RuleTable.parse("allow tcp from 10.0.0.0/8 to 2001:db8::/32", "x"));
        assertThrows(RuleSyntaxException.class, () -> RuleTable.parse("allow udp from any port 90-80 to any", "x"));
        assertThrows(RuleSyntaxException.class, () -> RuleTable.parse("default count", "x"));
    }

    @Test
    void theHandlerPassesAllowedFramesReleasesDeniedOnesAndCountsMalformed() {
        RuleTable t = RuleTable.parse("allow udp to any port 53\ndeny any\n", "h");
        FilterHandler h = new FilterHandler(t);
        EmbeddedChannel ch = new EmbeddedChannel(h);
        ByteBuf dns = Unpooled.wrappedBuffer(new io.netmap4j.handler.frame.FrameBuilder().ipv4("10.0.0.1", "10.0.0.2")
                .udp(4000, 53).build());
        ByteBuf web = Unpooled.wrappedBuffer(new io.netmap4j.handler.frame.FrameBuilder().ipv4("10.0.0.1", "10.0.0.2")
                .tcp(4000, 80).build());
        ByteBuf runt = Unpooled.wrappedBuffer(new byte[10]);
        ch.writeInbound(dns, web, runt);
        assertSame(dns, ch.readInbound());
        assertNull(ch.readInbound());
        assertEquals(0, web.refCnt());
        assertEquals(0, runt.refCnt());
        assertEquals(1, h.allowed());
        assertEquals(2, h.denied());
        assertEquals(1, h.counters().snapshot().malformedFrames());
        dns.release();
        ch.finishAndReleaseAll();
    }
}
