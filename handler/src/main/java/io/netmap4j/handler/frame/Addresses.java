package io.netmap4j.handler.frame;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.HexFormat;

/**
 * Text forms of the address values the views use: a MAC as the low 48 bits of a {@code long}, an
 * IPv4 address as an {@code int}, an IPv6 address as two {@code long}s. For configuration and
 * messages; nothing here is on the per-frame path. Literals only: no name is ever resolved.
 */
public final class Addresses {
    private Addresses() {
    }

    /**
     * Parses {@code 02:00:00:00:00:01} (also with {@code -} between the bytes).
     *
     * @throws IllegalArgumentException if it is not six hex bytes
     */
    public static long parseMac(String text) {
        String[] parts = text.split("[:-]", -1);
        if (parts.length != 6) {
            throw new IllegalArgumentException("'" + text + "' is not a MAC address (expected six hex bytes like 02:00:00:00:00:01)");
        }
        long mac = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 2 || !isHex(p)) {
                throw new IllegalArgumentException("'" + text + "' is not a MAC address (bad byte '" + p + "')");
            }
            mac = (mac << 8) | Integer.parseInt(p, 16);
        }
        return mac;
    }

    public static String formatMac(long mac) {
        StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            if (shift != 40) {
                sb.append(':');
            }
            sb.append(HexFormat.of().toHexDigits((byte) (mac >>> shift)));
        }
        return sb.toString();
    }

    /**
     * Parses a dotted-quad IPv4 address.
     *
     * @throws IllegalArgumentException if it is not one
     */
    public static int parseIpv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (expected a.b.c.d)");
        }
        int ip = 0;
        for (String p : parts) {
            int b = parseDecimal(p, 255);
            if (b < 0) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address (bad number '" + p + "')");
            }
            ip = (ip << 8) | b;
        }
        return ip;
    }

    public static String formatIpv4(int ip) {
        return (ip >>> 24) + "." + ((ip >>> 16) & 0xff) + "." + ((ip >>> 8) & 0xff) + "." + (ip & 0xff);
    }

    /**
     * Parses an IPv6 literal ({@code 2001:db8::1}) into {high, low}.
     *
     * @throws IllegalArgumentException if it is not one
     */
    public static long[] parseIpv6(String text) {
        if (text.indexOf(':') < 0) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv6 address");
        }
        InetAddress a;
        try {
            a = InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv6 address", e);
        }
        if (!(a instanceof Inet6Address)) {
            // ofLiteral maps IPv4-mapped forms to IPv4; keep them as IPv6 ::ffff:a.b.c.d.
            byte[] b4 = ((Inet4Address) a).getAddress();
            return new long[] {0, 0xffff_0000_0000L | (toLong(new byte[] {0, 0, 0, 0, b4[0], b4[1], b4[2], b4[3]}, 0))};
        }
        byte[] b = a.getAddress();
        return new long[] {toLong(b, 0), toLong(b, 8)};
    }

    /** The RFC 5952 text form: lower case, the longest run of two or more zero groups as "::". */
    public static String formatIpv6(long high, long low) {
        int[] g = new int[8];
        for (int i = 0; i < 4; i++) {
            g[i] = (int) (high >>> (48 - 16 * i)) & 0xffff;
            g[4 + i] = (int) (low >>> (48 - 16 * i)) & 0xffff;
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    private static long toLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xff);
        }
        return v;
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    /** A decimal number 0..max with no sign or spaces, or -1. */
    static int parseDecimal(String s, int max) {
        if (s.isEmpty() || s.length() > 10) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v > max ? -1 : (int) v;
    }
}
