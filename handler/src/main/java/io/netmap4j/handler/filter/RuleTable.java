package io.netmap4j.handler.filter;

import io.netmap4j.handler.frame.FrameView;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * A first-match rule table over the 5-tuple, compiled for a lookup whose cost hardly grows with
 * the number of rules (the bit-vector scheme of Lakshman and Stiliadis): each field (protocol,
 * source and destination address, source and destination port) splits its value space into the
 * intervals the rules' bounds make, and each interval holds the bit set of rules that accept it.
 * A lookup finds one interval per field (a 16-8-8 trie for IPv4 addresses, a binary search for
 * IPv6 ones, an array index for ports and protocols), ANDs the five bit sets word by word and
 * takes the lowest bit: the first rule that matches. {@link RuleAction#COUNT} rules are counted
 * on the way. Nothing is allocated per frame; the table is immutable and may be shared by any
 * number of {@link FilterHandler}s.
 *
 * <h2>Text format</h2>
 * <pre>
 * # first match wins; '#' starts a comment
 * default deny                       # the action when no rule matches (default: deny)
 * malformed deny                     # for frames FrameView finds malformed (default: deny)
 * allow tcp from 10.0.0.0/8 to 192.168.1.0/24 port 80-443
 * count udp from any port 53 to any
 * deny  ip6 from 2001:db8::/32 to any
 * allow arp
 * allow any
 * </pre>
 * A rule is {@code ACTION PROTO [from ADDR [port P]] [to ADDR [port P]]}: ACTION is allow, deny
 * or count; PROTO is any, ip (either version), ip4, ip6, tcp, udp, icmp, icmp6, arp or a number;
 * ADDR is any or a CIDR prefix (a bare address is a /32 or /128); P is a port or LOW-HIGH and
 * needs tcp or udp. Non-IP frames only match rules without addresses and ports; IP fragments
 * after the first have no ports, so they only match rules without ports.
 */
public final class RuleTable {
    /** Keys of the protocol table: IPv4 protocols, IPv6 protocols, ARP, everything else. */
    private static final int KEY_V6 = 256;
    private static final int KEY_ARP = 512;
    private static final int KEY_OTHER = 513;
    private static final int KEYS = 514;

    private final List<Rule> rules;
    private final RuleAction defaultAction;
    private final RuleAction malformedAction;
    private final int words;
    private final byte[] actions;
    private final long[] protoRows;
    private final AddressField src4;
    private final AddressField dst4;
    private final AddressField src6;
    private final AddressField dst6;
    private final PortField srcPorts;
    private final PortField dstPorts;

    private RuleTable(List<Rule> rules, RuleAction defaultAction, RuleAction malformedAction) {
        this.rules = List.copyOf(rules);
        this.defaultAction = defaultAction;
        this.malformedAction = malformedAction;
        int n = rules.size();
        this.words = Math.max(1, (n + 63) >>> 6);
        this.actions = new byte[n];
        for (int i = 0; i < n; i++) {
            actions[i] = (byte) rules.get(i).action().ordinal();
        }
        protoRows = new long[KEYS * words];
        for (int k = 0; k < KEYS; k++) {
            for (int r = 0; r < n; r++) {
                if (acceptsKey(rules.get(r), k)) {
                    protoRows[k * words + (r >>> 6)] |= 1L << r;
                }
            }
        }
        src4 = new AddressField(rules, words, 4, true);
        dst4 = new AddressField(rules, words, 4, false);
        src6 = new AddressField(rules, words, 6, true);
        dst6 = new AddressField(rules, words, 6, false);
        srcPorts = new PortField(rules, words, true);
        dstPorts = new PortField(rules, words, false);
    }

    private static boolean acceptsKey(Rule r, int key) {
        int version = Math.max(r.source().version(), r.destination().version());
        boolean ip4 = key < KEY_V6;
        boolean ip6 = key >= KEY_V6 && key < KEY_ARP;
        if (version == 4 && !ip4 || version == 6 && !ip6) {
            return false;
        }
        int proto = key & 0xff;
        return switch (r.protocol()) {
            case Rule.ANY -> true;
            case Rule.IP -> ip4 || ip6;
            case Rule.IP4 -> ip4;
            case Rule.IP6 -> ip6;
            case Rule.ARP -> key == KEY_ARP;
            default -> (ip4 || ip6) && proto == r.protocol();
        };
    }

    /** Parses and compiles a rule text; {@code source} names it in error messages. */
    public static RuleTable parse(String text, String source) {
        return RuleParser.parse(text, source);
    }

    /** Loads and compiles the rule file at {@code path}. */
    public static RuleTable load(Path path) throws IOException {
        return parse(Files.readString(path, StandardCharsets.UTF_8), path.toString());
    }

    static RuleTable of(List<Rule> rules, RuleAction defaultAction, RuleAction malformedAction) {
        return new RuleTable(rules, defaultAction, malformedAction);
    }

    public List<Rule> rules() {
        return rules;
    }

    /** What frames no rule allows or denies get (never COUNT). */
    public RuleAction defaultAction() {
        return defaultAction;
    }

    /** What malformed frames get. */
    public RuleAction malformedAction() {
        return malformedAction;
    }

    /** New counters for a handler using this table. */
    public RuleCounters newCounters() {
        return new RuleCounters(rules.size());
    }

    /**
     * The first {@link RuleAction#ALLOW} or {@link RuleAction#DENY} rule that matches the frame,
     * as its index in {@link #rules()}, or -1 when none does (the default applies). The frame's
     * matching COUNT rules before it, and that rule, are counted in {@code counters}.
     */
    public int match(FrameView f, RuleCounters counters) {
        int key;
        int sRow;
        int dRow;
        long[] sRows;
        long[] dRows;
        if (f.isIpv4()) {
            key = f.ipProtocol();
            sRows = src4.rows;
            dRows = dst4.rows;
            long addresses = f.ipv4().addresses();
            sRow = src4.trie4.find((int) (addresses >>> 32));
            dRow = dst4.trie4.find((int) addresses);
        } else if (f.isIpv6()) {
            key = KEY_V6 + f.ipProtocol();
            sRows = src6.rows;
            dRows = dst6.rows;
            var ip = f.ipv6();
            sRow = src6.find6(ip.sourceHigh(), ip.sourceLow());
            dRow = dst6.find6(ip.destinationHigh(), ip.destinationLow());
        } else {
            key = f.hasLayer(FrameView.ARP) ? KEY_ARP : KEY_OTHER;
            sRows = src4.rows;
            dRows = dst4.rows;
            sRow = src4.anyRow;
            dRow = dst4.anyRow;
        }
        int spRow;
        int dpRow;
        if ((f.layers() & (FrameView.TCP | FrameView.UDP)) != 0) {
            int ports = f.ports();
            spRow = srcPorts.index[ports >>> 16];
            dpRow = dstPorts.index[ports & 0xffff];
        } else {
            spRow = srcPorts.noPortsRow;
            dpRow = dstPorts.noPortsRow;
        }
        int w = words;
        int length = f.frameLength();
        long[] sp = srcPorts.rows;
        long[] dp = dstPorts.rows;
        for (int i = 0; i < w; i++) {
            long bits = protoRows[key * w + i] & sRows[sRow * w + i] & dRows[dRow * w + i]
                    & sp[spRow * w + i] & dp[dpRow * w + i];
            while (bits != 0) {
                int r = (i << 6) + Long.numberOfTrailingZeros(bits);
                counters.frames[r]++;
                counters.bytes[r] += length;
                if (actions[r] != RuleAction.COUNT.ordinal()) {
                    return r;
                }
                bits &= bits - 1;
            }
        }
        counters.defaultFrames++;
        counters.defaultBytes += length;
        return -1;
    }

    /** The action for a {@link #match} result. */
    public RuleAction action(int match) {
        return match < 0 ? defaultAction : rules.get(match).action();
    }

    /** Interval tables of one address field for one IP version; the last row accepts every rule (non-IP frames). */
    private static final class AddressField {
        final Ipv4IntervalTrie trie4;
        final long[] boundsHigh;
        final long[] boundsLow;
        final long[] rows;
        final int anyRow;

        AddressField(List<Rule> rules, int words, int version, boolean source) {
            BigInteger max = BigInteger.ONE.shiftLeft(version == 4 ? 32 : 128).subtract(BigInteger.ONE);
            TreeSet<BigInteger> set = new TreeSet<>();
            set.add(BigInteger.ZERO);
            List<BigInteger[]> ranges = new ArrayList<>();
            for (Rule r : rules) {
                Rule.Prefix p = source ? r.source() : r.destination();
                if (p.version() != version) {
                    ranges.add(null); // any address (or the other version, which the protocol table excludes)
                    continue;
                }
                BigInteger lo = big(p.first());
                BigInteger hi = big(p.last());
                ranges.add(new BigInteger[] {lo, hi});
                set.add(lo);
                if (hi.compareTo(max) < 0) {
                    set.add(hi.add(BigInteger.ONE));
                }
            }
            List<BigInteger> bounds = new ArrayList<>(set);
            rows = intervalRows(ranges, bounds, words, rules.size());
            anyRow = bounds.size();
            if (version == 4) {
                int[] bounds4 = new int[bounds.size()];
                for (int i = 0; i < bounds4.length; i++) {
                    bounds4[i] = bounds.get(i).intValue();
                }
                trie4 = new Ipv4IntervalTrie(bounds4);
                boundsHigh = boundsLow = null;
            } else {
                trie4 = null;
                boundsHigh = new long[bounds.size()];
                boundsLow = new long[bounds.size()];
                for (int i = 0; i < boundsHigh.length; i++) {
                    boundsHigh[i] = bounds.get(i).shiftRight(64).longValue() ^ Long.MIN_VALUE;
                    boundsLow[i] = bounds.get(i).longValue() ^ Long.MIN_VALUE;
                }
            }
        }

        int find6(long high, long low) {
            long kh = high ^ Long.MIN_VALUE;
            long kl = low ^ Long.MIN_VALUE;
            int lo = 0;
            int hi = boundsHigh.length - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                long bh = boundsHigh[mid];
                if (bh < kh || bh == kh && boundsLow[mid] <= kl) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            return lo;
        }

        private static BigInteger big(long[] v) {
            return new BigInteger(1, java.nio.ByteBuffer.allocate(16).putLong(v[0]).putLong(v[1]).array());
        }
    }

    /** Port intervals indexed directly by port; one more row for frames without ports. */
    private static final class PortField {
        final char[] index = new char[65536];
        final long[] rows;
        final int noPortsRow;

        PortField(List<Rule> rules, int words, boolean source) {
            TreeSet<BigInteger> set = new TreeSet<>();
            set.add(BigInteger.ZERO);
            List<BigInteger[]> ranges = new ArrayList<>();
            List<Boolean> portless = new ArrayList<>();
            for (Rule r : rules) {
                int lo = source ? r.sourcePortLow() : r.destinationPortLow();
                int hi = source ? r.sourcePortHigh() : r.destinationPortHigh();
                portless.add(!r.hasPorts());
                if (lo == 0 && hi == 65535) {
                    ranges.add(null);
                    continue;
                }
                ranges.add(new BigInteger[] {BigInteger.valueOf(lo), BigInteger.valueOf(hi)});
                set.add(BigInteger.valueOf(lo));
                if (hi < 65535) {
                    set.add(BigInteger.valueOf(hi + 1L));
                }
            }
            List<BigInteger> bounds = new ArrayList<>(set);
            long[] intervals = intervalRows(ranges, bounds, words, rules.size());
            noPortsRow = bounds.size();
            // The last row of intervalRows accepts every rule; for frames without ports only the rules without ports.
            rows = intervals;
            java.util.Arrays.fill(rows, noPortsRow * words, (noPortsRow + 1) * words, 0L);
            for (int r = 0; r < rules.size(); r++) {
                if (portless.get(r)) {
                    rows[noPortsRow * words + (r >>> 6)] |= 1L << r;
                }
            }
            for (int i = 0; i < bounds.size(); i++) {
                int from = bounds.get(i).intValue();
                int to = i + 1 < bounds.size() ? bounds.get(i + 1).intValue() : 65536;
                java.util.Arrays.fill(index, from, to, (char) i);
            }
        }
    }

    /**
     * One row per interval starting at each bound, with the bit of every rule whose range (null:
     * any) holds the interval, and a last row with every rule's bit.
     */
    private static long[] intervalRows(List<BigInteger[]> ranges, List<BigInteger> bounds, int words, int n) {
        long[] rows = new long[(bounds.size() + 1) * words];
        for (int i = 0; i < bounds.size(); i++) {
            BigInteger start = bounds.get(i);
            for (int r = 0; r < n; r++) {
                BigInteger[] range = ranges.get(r);
                if (range == null || range[0].compareTo(start) <= 0 && range[1].compareTo(start) >= 0) {
                    rows[i * words + (r >>> 6)] |= 1L << r;
                }
            }
        }
        for (int r = 0; r < n; r++) {
            rows[bounds.size() * words + (r >>> 6)] |= 1L << r;
        }
        return rows;
    }

    @Override
    public String toString() {
        List<String> lines = new ArrayList<>();
        for (Rule r : rules) {
            lines.add(r.line() + ": " + r.text());
        }
        lines.add("default " + defaultAction.name().toLowerCase(Locale.ROOT));
        lines.add("malformed " + malformedAction.name().toLowerCase(Locale.ROOT));
        return String.join("\n", Collections.unmodifiableList(lines));
    }
}
