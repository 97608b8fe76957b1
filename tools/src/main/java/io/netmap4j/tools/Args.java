package io.netmap4j.tools;

import io.netmap4j.tools.PktGenOptions.UsageException;

import java.util.Locale;

/**
 * Walks a command line for the network-function tools (capture, replay, filter, lb): flags with
 * values, numbers with the k/M/G suffixes pkt-gen takes, and the words left over.
 */
final class Args {
    private final String tool;
    private final String[] args;
    private int i;

    Args(String tool, String[] args) {
        this.tool = tool;
        this.args = args;
    }

    boolean hasNext() {
        return i < args.length;
    }

    String next() {
        return args[i++];
    }

    boolean wantsHelp() {
        for (String a : args) {
            if (a.equals("-h") || a.equals("--help")) {
                return true;
            }
        }
        return false;
    }

    /** The value after {@code flag}. */
    String value(String flag) throws UsageException {
        if (i >= args.length) {
            throw new UsageException(flag + " needs a value");
        }
        return args[i++];
    }

    /** A count or rate after {@code flag}, with an optional k, M or G suffix (powers of 1000). */
    long number(String flag, long min, long max) throws UsageException {
        String v = value(flag);
        long n = parseNumber(flag, v);
        if (n < min || n > max) {
            throw new UsageException(flag + " " + v + ": must be from " + min + " to " + max);
        }
        return n;
    }

    /** Seconds (a decimal number) after {@code flag}. */
    double seconds(String flag) throws UsageException {
        String v = value(flag);
        try {
            double s = Double.parseDouble(v);
            if (s < 0 || Double.isNaN(s) || Double.isInfinite(s)) {
                throw new NumberFormatException();
            }
            return s;
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " " + v + ": not a number of seconds");
        }
    }

    static long parseNumber(String flag, String v) throws UsageException {
        double d = parseDecimal(flag, v);
        if (d != Math.rint(d) || d > Long.MAX_VALUE) {
            throw new UsageException(flag + " " + v + ": not a whole number");
        }
        return (long) d;
    }

    /** A decimal number with an optional k, M or G suffix. */
    static double parseDecimal(String flag, String v) throws UsageException {
        String s = v.trim();
        double mult = 1;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'k', 'K' -> mult = 1e3;
                case 'm', 'M' -> mult = 1e6;
                case 'g', 'G' -> mult = 1e9;
                default -> {
                }
            }
            if (mult != 1) {
                s = s.substring(0, s.length() - 1);
            }
        }
        try {
            double d = Double.parseDouble(s) * mult;
            if (d < 0 || Double.isNaN(d) || Double.isInfinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " " + v + ": not a number (digits, optionally followed by k, M or G)");
        }
    }

    String tool() {
        return tool.toLowerCase(Locale.ROOT);
    }
}
