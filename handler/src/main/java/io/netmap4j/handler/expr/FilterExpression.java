package io.netmap4j.handler.expr;

import io.netmap4j.handler.frame.Addresses;
import io.netmap4j.handler.frame.EthernetHeader;
import io.netmap4j.handler.frame.FramePredicate;
import io.netmap4j.handler.frame.FrameView;
import io.netmap4j.handler.frame.Ipv4Header;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Compiles a tcpdump-style filter expression (the pcap-filter(7) language, the common part of it)
 * into a {@link FramePredicate} that tests a {@link FrameView} without allocating.
 *
 * <p>Understood: {@code host}, {@code net} (CIDR, {@code mask}, or leading octets),
 * {@code port}, {@code portrange}, each with {@code src}/{@code dst}/{@code src or dst}/{@code
 * src and dst} and a protocol qualifier ({@code ip}, {@code ip6}, {@code arp}, {@code tcp},
 * {@code udp}, {@code ether}); {@code ether host|src|dst MAC}, {@code ether proto N};
 * {@code ip}, {@code ip6}, {@code arp}, {@code tcp}, {@code udp}, {@code icmp}, {@code icmp6},
 * {@code proto N}, {@code ip proto N}, {@code ip6 proto N}; {@code vlan [ID]};
 * {@code less N}, {@code greater N}; {@code broadcast}, {@code multicast}; {@code and}/{@code &&},
 * {@code or}/{@code ||}, {@code not}/{@code !}, parentheses. As in libpcap, {@code and} and
 * {@code or} have the same precedence and group from the left, {@code not} binds tightest, and
 * a bare address or number repeats the last qualifiers ({@code host a or b}, {@code port 80 or 443}).
 *
 * <p>Where it differs from libpcap, on purpose: VLAN tags are looked through, so {@code ip} or
 * {@code port 53} match tagged frames too (as tcpdump does on a Linux interface whose driver
 * strips the tags); the IPv6 protocol and ports are found after extension headers (libpcap's
 * {@code ip6 proto} does not chase the chain); {@code broadcast} and {@code multicast} look at the
 * Ethernet destination only; names (hosts, services, protocols other than the keywords) are not
 * resolved. Numbers are decimal or 0x-hex.
 */
public final class FilterExpression {
    private static final Set<String> PROTO_QUALIFIERS = Set.of("ether", "ip", "ip6", "arp", "tcp", "udp");
    private static final Set<String> TYPES = Set.of("host", "net", "port", "portrange");

    private final String text;
    private final List<Token> tokens;
    private int pos;
    private int vlans;
    /** The qualifiers of the last primitive, which a bare identifier repeats. */
    private Qualifiers last;

    private record Token(String text, int column) {
    }

    private record Qualifiers(String proto, int dir, String type) {
    }

    private FilterExpression(String text) {
        this.text = text;
        this.tokens = tokenize(text);
    }

    /**
     * Compiles {@code expression}; an empty one matches every frame.
     *
     * @throws FilterSyntaxException if it does not parse (the message points at the problem)
     */
    public static FramePredicate compile(String expression) {
        FilterExpression p = new FilterExpression(expression);
        if (p.tokens.isEmpty()) {
            return FramePredicate.ALL;
        }
        FramePredicate result = p.expression();
        if (p.pos < p.tokens.size()) {
            throw p.error(p.tokens.get(p.pos), "unexpected '" + p.tokens.get(p.pos).text + "' (missing 'and'/'or'?)");
        }
        return result;
    }

    private static List<Token> tokenize(String s) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '(' || c == ')' || c == '!') {
                out.add(new Token(String.valueOf(c), i++));
            } else if ((c == '&' || c == '|') && i + 1 < s.length() && s.charAt(i + 1) == c) {
                out.add(new Token(c == '&' ? "and" : "or", i));
                i += 2;
            } else {
                int start = i;
                while (i < s.length() && !Character.isWhitespace(s.charAt(i)) && "()!&|".indexOf(s.charAt(i)) < 0) {
                    i++;
                }
                if (start == i) {
                    out.add(new Token(String.valueOf(c), i++));
                } else {
                    out.add(new Token(s.substring(start, i), start));
                }
            }
        }
        return out;
    }

    // expression := unary (('and' | 'or') unary)*   (equal precedence, left to right)
    private FramePredicate expression() {
        FramePredicate left = unary();
        while (pos < tokens.size()) {
            String op = lower(tokens.get(pos));
            if (op.equals("and")) {
                pos++;
                left = new Matchers.And(left, unary());
            } else if (op.equals("or")) {
                pos++;
                left = new Matchers.Or(left, unary());
            } else {
                break;
            }
        }
        return left;
    }

    private FramePredicate unary() {
        Token t = next("an expression");
        String w = lower(t);
        switch (w) {
            case "not", "!" -> {
                return new Matchers.Not(unary());
            }
            case "(" -> {
                FramePredicate inner = expression();
                Token close = next("')'");
                if (!close.text.equals(")")) {
                    throw error(close, "expected ')' to close the '(' at column " + (t.column + 1));
                }
                return inner;
            }
            case ")" -> throw error(t, "unexpected ')'");
            default -> {
                pos--;
                return primitive();
            }
        }
    }

    private FramePredicate primitive() {
        Token first = tokens.get(pos);
        String w = lower(first);
        // Keywords that stand alone.
        switch (w) {
            case "vlan" -> {
                pos++;
                int index = vlans++;
                Integer id = peekNumber();
                if (id != null) {
                    pos++;
                    if (id > 4095) {
                        throw error(tokens.get(pos - 1), "a VLAN id is 0..4095");
                    }
                }
                return new Matchers.Vlan(index, id == null ? -1 : id);
            }
            case "less", "greater" -> {
                pos++;
                int n = number(next("a length"), Integer.MAX_VALUE, "a length in bytes");
                return w.equals("less") ? new Matchers.Length(0, n) : new Matchers.Length(n, Integer.MAX_VALUE);
            }
            case "broadcast" -> {
                pos++;
                return new Matchers.EtherAddress(Matchers.DST, EthernetHeader.BROADCAST);
            }
            case "multicast" -> {
                pos++;
                return new Matchers.EtherMulticast();
            }
            case "proto" -> {
                pos++;
                return new Matchers.IpProtocol(-1, number(next("a protocol number"), 255, "an IP protocol number 0..255"));
            }
            case "icmp" -> {
                pos++;
                return new Matchers.IpProtocol(EthernetHeader.TYPE_IPV4, Ipv4Header.PROTO_ICMP);
            }
            case "icmp6" -> {
                pos++;
                return new Matchers.IpProtocol(EthernetHeader.TYPE_IPV6, Ipv4Header.PROTO_ICMPV6);
            }
            default -> {
            }
        }
        String proto = null;
        if (PROTO_QUALIFIERS.contains(w)) {
            proto = w;
            pos++;
            String after = pos < tokens.size() ? lower(tokens.get(pos)) : "";
            if (after.equals("proto")) {
                pos++;
                Token n = next("a protocol number");
                return switch (proto) {
                    case "ether" -> new Matchers.EtherType(number(n, 0xffff, "an EtherType 0..0xffff"));
                    case "ip" -> new Matchers.IpProtocol(EthernetHeader.TYPE_IPV4, number(n, 255, "an IP protocol number"));
                    case "ip6" -> new Matchers.IpProtocol(EthernetHeader.TYPE_IPV6, number(n, 255, "an IP protocol number"));
                    default -> throw error(first, "'" + proto + " proto' is not a primitive (use ip, ip6 or ether proto)");
                };
            }
            if (proto.equals("ether") && (after.equals("broadcast") || after.equals("multicast"))) {
                pos++;
                return after.equals("broadcast") ? new Matchers.EtherAddress(Matchers.DST, EthernetHeader.BROADCAST)
                        : new Matchers.EtherMulticast();
            }
            if (!after.equals("src") && !after.equals("dst") && !TYPES.contains(after)) {
                if (proto.equals("ether")) {
                    throw error(first, "'ether' needs host, src, dst, proto, broadcast or multicast after it");
                }
                return protocolPrimitive(proto);
            }
        }
        int dir = Matchers.EITHER;
        boolean dirGiven = false;
        String d = pos < tokens.size() ? lower(tokens.get(pos)) : "";
        if (d.equals("src") || d.equals("dst")) {
            pos++;
            dirGiven = true;
            dir = d.equals("src") ? Matchers.SRC : Matchers.DST;
            // "src or dst X" / "src and dst X": the connective belongs to the qualifier only when
            // the other direction follows it.
            if (pos + 1 < tokens.size()) {
                String conn = lower(tokens.get(pos));
                String other = lower(tokens.get(pos + 1));
                if ((conn.equals("or") || conn.equals("and")) && (other.equals("src") || other.equals("dst")) && !other.equals(d)) {
                    pos += 2;
                    dir = conn.equals("or") ? Matchers.EITHER : Matchers.BOTH;
                }
            }
        }
        String type = null;
        if (pos < tokens.size() && TYPES.contains(lower(tokens.get(pos)))) {
            type = lower(tokens.get(pos++));
        }
        if (proto == null && !dirGiven && type == null) {
            // A bare identifier repeats the last primitive's qualifiers.
            if (last == null) {
                throw error(first, "'" + first.text + "' is not a keyword, and there is no earlier primitive whose "
                        + "qualifiers it could repeat (try 'host " + first.text + "' or 'port " + first.text + "')");
            }
            proto = last.proto;
            dir = last.dir;
            type = last.type;
        }
        if (type == null) {
            type = "host";
        }
        last = new Qualifiers(proto, dir, type);
        Token id = next("an address or a number after '" + type + "'");
        return switch (type) {
            case "host" -> host(proto, dir, id, false);
            case "net" -> host(proto, dir, id, true);
            default -> port(proto, dir, id, type.equals("portrange"));
        };
    }

    private FramePredicate protocolPrimitive(String proto) {
        return switch (proto) {
            case "ip" -> new Matchers.EtherType(EthernetHeader.TYPE_IPV4);
            case "ip6" -> new Matchers.EtherType(EthernetHeader.TYPE_IPV6);
            case "arp" -> new Matchers.EtherType(EthernetHeader.TYPE_ARP);
            case "tcp" -> new Matchers.IpProtocol(-1, Ipv4Header.PROTO_TCP);
            case "udp" -> new Matchers.IpProtocol(-1, Ipv4Header.PROTO_UDP);
            default -> throw new IllegalStateException(proto);
        };
    }

    private FramePredicate host(String proto, int dir, Token id, boolean net) {
        String s = id.text;
        if ("ether".equals(proto)) {
            if (net) {
                throw error(id, "'ether net' is not a primitive");
            }
            try {
                return new Matchers.EtherAddress(dir, Addresses.parseMac(s));
            } catch (IllegalArgumentException e) {
                throw error(id, e.getMessage());
            }
        }
        if (proto != null && !proto.equals("ip") && !proto.equals("ip6") && !proto.equals("arp")) {
            throw error(id, "'" + proto + " host' is not a primitive (qualify host and net with ip, ip6, arp or ether)");
        }
        String addr = s;
        int prefix = -1;
        int slash = s.indexOf('/');
        if (slash >= 0) {
            if (!net) {
                throw error(id, "a host has no prefix length; use 'net " + s + "'");
            }
            addr = s.substring(0, slash);
            prefix = number(new Token(s.substring(slash + 1), id.column + slash + 1), 128, "a prefix length");
        }
        if (addr.indexOf(':') >= 0) {
            if (proto != null && !proto.equals("ip6")) {
                throw error(id, "'" + s + "' is an IPv6 address, but the primitive says " + proto);
            }
            long[] a;
            try {
                a = Addresses.parseIpv6(addr);
            } catch (IllegalArgumentException e) {
                throw error(id, e.getMessage());
            }
            int bits = prefix < 0 ? 128 : prefix;
            if (net && prefix < 0) {
                throw error(id, "an IPv6 net needs a prefix length, like " + addr + "/64");
            }
            long mh = bits == 0 ? 0 : bits >= 64 ? -1L : -1L << (64 - bits);
            long ml = bits <= 64 ? 0 : bits == 128 ? -1L : -1L << (128 - bits);
            if ((a[0] & ~mh) != 0 || (a[1] & ~ml) != 0) {
                throw error(id, "non-network bits set in " + s);
            }
            return new Matchers.Ipv6Address(dir, a[0], a[1], mh, ml);
        }
        if ("ip6".equals(proto)) {
            throw error(id, "'" + s + "' is not an IPv6 address");
        }
        int address;
        int mask;
        if (net && prefix < 0 && pos + 1 < tokens.size() && lower(tokens.get(pos)).equals("mask")) {
            pos++;
            Token m = next("a netmask");
            address = ipv4(id, addr);
            mask = ipv4(m, m.text);
        } else if (net && prefix < 0 && addr.split("\\.", -1).length < 4) {
            // "net 10" is 10.0.0.0/8, "net 192.168" is 192.168.0.0/16.
            String[] parts = addr.split("\\.", -1);
            address = 0;
            for (String p : parts) {
                address = (address << 8) | number(new Token(p, id.column), 255, "an address byte");
            }
            address <<= 8 * (4 - parts.length);
            mask = -1 << (32 - 8 * parts.length);
        } else {
            address = ipv4(id, addr);
            if (prefix > 32) {
                throw error(id, "an IPv4 prefix length is 0..32");
            }
            mask = prefix < 0 ? -1 : prefix == 0 ? 0 : -1 << (32 - prefix);
        }
        if ((address & ~mask) != 0) {
            throw error(id, "non-network bits set in " + s);
        }
        boolean ip = proto == null || proto.equals("ip");
        boolean arp = proto == null || proto.equals("arp");
        return new Matchers.Ipv4Address(dir, address, mask, ip, arp);
    }

    private int ipv4(Token t, String s) {
        try {
            return Addresses.parseIpv4(s);
        } catch (IllegalArgumentException e) {
            throw error(t, e.getMessage() + " (host names are not resolved)");
        }
    }

    private FramePredicate port(String proto, int dir, Token id, boolean range) {
        int layers;
        if (proto == null) {
            layers = FrameView.TCP | FrameView.UDP;
        } else if (proto.equals("tcp")) {
            layers = FrameView.TCP;
        } else if (proto.equals("udp")) {
            layers = FrameView.UDP;
        } else {
            throw error(id, "'" + proto + " port' is not a primitive (ports belong to tcp or udp)");
        }
        int low;
        int high;
        int dash = id.text.indexOf('-');
        if (range) {
            if (dash < 0) {
                throw error(id, "a port range is LOW-HIGH, like 1024-65535");
            }
            low = number(new Token(id.text.substring(0, dash), id.column), 65535, "a port number 0..65535");
            high = number(new Token(id.text.substring(dash + 1), id.column + dash + 1), 65535, "a port number 0..65535");
            if (low > high) {
                int t = low;
                low = high;
                high = t;
            }
        } else {
            low = high = number(id, 65535, "a port number 0..65535 (service names are not resolved)");
        }
        return new Matchers.Port(dir, low, high, layers);
    }

    private Integer peekNumber() {
        if (pos >= tokens.size()) {
            return null;
        }
        String s = tokens.get(pos).text;
        return s.chars().allMatch(Character::isDigit) && !s.isEmpty() && s.length() < 10 ? Integer.valueOf(s) : null;
    }

    private int number(Token t, int max, String what) {
        String s = t.text.toLowerCase(Locale.ROOT);
        long v;
        try {
            v = s.startsWith("0x") ? Long.parseLong(s.substring(2), 16) : Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw error(t, "'" + t.text + "' is not " + what);
        }
        if (v < 0 || v > max) {
            throw error(t, "'" + t.text + "' is not " + what);
        }
        return (int) v;
    }

    private Token next(String what) {
        if (pos >= tokens.size()) {
            throw new FilterSyntaxException(text, text.length(), "the expression ends where " + what + " should follow");
        }
        return tokens.get(pos++);
    }

    private FilterSyntaxException error(Token t, String problem) {
        return new FilterSyntaxException(text, t.column, problem);
    }

    private static String lower(Token t) {
        return t.text.toLowerCase(Locale.ROOT);
    }
}
