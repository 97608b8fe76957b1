package io.netmap4j.handler.filter;

import io.netmap4j.handler.frame.Addresses;

/**
 * One line of a rule table: an action and what a frame must be to match it. Addresses are CIDR
 * prefixes of one IP version (or any); ports are inclusive ranges (or any, which also matches
 * frames without ports).
 *
 * @param line     the line in the rule text (1-based), to name the rule in counters and errors
 * @param text     the rule as written
 * @param protocol {@link #ANY}, {@link #IP}, {@link #IP4}, {@link #IP6}, {@link #ARP}, or an IP protocol number 0..255
 */
public record Rule(int line, String text, RuleAction action, int protocol, Prefix source, int sourcePortLow,
        int sourcePortHigh, Prefix destination, int destinationPortLow, int destinationPortHigh) {
    public static final int ANY = -1;
    public static final int IP = -2;
    public static final int IP4 = -3;
    public static final int IP6 = -4;
    public static final int ARP = -5;

    /** True when the rule names ports (so only TCP/UDP frames with ports can match it). */
    public boolean hasPorts() {
        return sourcePortLow > 0 || sourcePortHigh < 65535 || destinationPortLow > 0 || destinationPortHigh < 65535;
    }

    /**
     * An address prefix: {@code bits} leading bits of {@code high:low} (IPv4 in the low 32 bits of
     * {@code low}); {@code version} 0 for any address, 4 or 6.
     */
    public record Prefix(int version, long high, long low, int bits) {
        public static final Prefix ANY = new Prefix(0, 0, 0, 0);

        /** Parses {@code any}, {@code a.b.c.d[/n]} or an IPv6 literal {@code [/n]}. */
        public static Prefix parse(String s) {
            if (s.equals("any")) {
                return ANY;
            }
            int slash = s.indexOf('/');
            String addr = slash < 0 ? s : s.substring(0, slash);
            boolean v6 = addr.indexOf(':') >= 0;
            int max = v6 ? 128 : 32;
            int bits = max;
            if (slash >= 0) {
                try {
                    bits = Integer.parseInt(s.substring(slash + 1));
                } catch (NumberFormatException e) {
                    bits = -1;
                }
                if (bits < 0 || bits > max) {
                    throw new IllegalArgumentException("'" + s + "': the prefix length must be 0.." + max);
                }
            }
            long hi = 0;
            long lo;
            if (v6) {
                long[] a = Addresses.parseIpv6(addr);
                hi = a[0];
                lo = a[1];
            } else {
                lo = Addresses.parseIpv4(addr) & 0xffffffffL;
            }
            Prefix p = new Prefix(v6 ? 6 : 4, hi, lo, bits);
            if (p.first()[0] != hi || p.first()[1] != lo) {
                throw new IllegalArgumentException("'" + s + "' has bits set after its prefix length (did you mean "
                        + p.format() + "?)");
            }
            return p;
        }

        /** The first address of the prefix, {high, low}. */
        long[] first() {
            if (version == 4) {
                long mask = bits == 0 ? 0 : (0xffffffffL << (32 - bits)) & 0xffffffffL;
                return new long[] {0, low & mask};
            }
            long mh = bits == 0 ? 0 : bits >= 64 ? -1L : -1L << (64 - bits);
            long ml = bits <= 64 ? 0 : bits == 128 ? -1L : -1L << (128 - bits);
            return new long[] {high & mh, low & ml};
        }

        /** The last address of the prefix, {high, low}. */
        long[] last() {
            long[] f = first();
            if (version == 4) {
                long span = bits == 0 ? 0xffffffffL : (1L << (32 - bits)) - 1;
                return new long[] {0, f[1] | span};
            }
            long mh = bits == 0 ? 0 : bits >= 64 ? -1L : -1L << (64 - bits);
            long ml = bits <= 64 ? 0 : bits == 128 ? -1L : -1L << (128 - bits);
            return new long[] {f[0] | ~mh, f[1] | ~ml};
        }

        String format() {
            long[] f = first();
            return (version == 4 ? Addresses.formatIpv4((int) f[1]) : Addresses.formatIpv6(f[0], f[1])) + "/" + bits;
        }
    }
}
