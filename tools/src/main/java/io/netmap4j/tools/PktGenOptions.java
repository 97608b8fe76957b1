package io.netmap4j.tools;

import io.netmap4j.spec.PortSpec;
import io.netmap4j.spec.PortSpecException;

import java.util.Locale;

/**
 * The command line of {@link PktGen}, parsed and checked. Numbers of frames and rates accept the
 * suffixes k, M and G (powers of 1000), so {@code -R 1M} is a million frames per second.
 */
public final class PktGenOptions {
    /** What the command does. The two-sided ones run both ends of a pipe in this JVM. */
    public enum Function {
        TXRX("txrx"), TX("tx"), RX("rx"), PING("ping"), PONG("pong"), PINGPONG("pingpong");

        final String word;

        Function(String word) {
            this.word = word;
        }

        boolean twoSided() {
            return this == TXRX || this == PINGPONG;
        }
    }

    /** The pipe the default run uses; its other end is the same name with the brace turned. */
    public static final String DEFAULT_PORT = "netmap:pktgen{0";
    static final double DEFAULT_SECONDS = 5;

    Function function = Function.TXRX;
    String port = DEFAULT_PORT;
    String peerPort;
    int frameSize = 60;
    int batch = 512;
    long rate;
    /** Seconds to run; 0 means no limit. NaN until resolved. */
    double seconds = Double.NaN;
    long frames;
    boolean perFrameWrites;
    boolean rxCopy;
    boolean busyPoll;
    String nic = "auto";
    boolean quiet;
    boolean help;

    /** A command line that cannot be run; the message says which argument and why. */
    public static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    private PktGenOptions() {
    }

    /** Parses {@code args}; {@code --help} sets {@link #help()} and skips the checks. */
    public static PktGenOptions parse(String... args) throws UsageException {
        PktGenOptions o = new PktGenOptions();
        if (java.util.Arrays.asList(args).contains("-h") || java.util.Arrays.asList(args).contains("--help")) {
            o.help = true;
            return o;
        }
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-f" -> o.function = function(value(args, ++i, a));
                case "-i" -> o.port = value(args, ++i, a);
                case "-I" -> o.peerPort = value(args, ++i, a);
                case "-l" -> o.frameSize = (int) number(args, ++i, a, FrameTemplate.MIN_SIZE, FrameTemplate.MAX_SIZE);
                case "-b" -> o.batch = (int) number(args, ++i, a, 1, 65536);
                case "-R" -> o.rate = number(args, ++i, a, 0, Long.MAX_VALUE);
                case "-n" -> o.frames = number(args, ++i, a, 0, Long.MAX_VALUE);
                case "-T" -> o.seconds = seconds(args, ++i, a);
                case "-W", "--per-frame-writes" -> o.perFrameWrites = true;
                case "-C", "--rx-copy" -> o.rxCopy = true;
                case "-P", "--plain" -> {
                    o.perFrameWrites = true;
                    o.rxCopy = true;
                }
                case "--busy-poll" -> o.busyPoll = true;
                case "--nic" -> {
                    o.nic = value(args, ++i, a);
                    try {
                        io.netmap4j.user.nic.NicMechanism.of(o.nic);
                    } catch (IllegalArgumentException e) {
                        throw new UsageException("--nic " + o.nic + ": use xdp, packet or auto");
                    }
                }
                case "-q", "--quiet" -> o.quiet = true;
                default -> throw new UsageException("unknown argument '" + a + "'");
            }
        }
        o.check();
        return o;
    }

    private void check() throws UsageException {
        PortSpec spec = spec("-i", port);
        if (function.twoSided()) {
            if (peerPort == null) {
                if (!spec.isPipe()) {
                    throw new UsageException("-f " + function.word + " runs both ends in this process: -i must name a "
                            + "pipe end (netmap:NAME{ID or netmap:NAME}ID), or give the other port with -I");
                }
                peerPort = peerOf(port, spec);
            }
            spec("-I", peerPort);
        } else if (peerPort != null) {
            throw new UsageException("-I is only for the two-sided functions txrx and pingpong, not -f " + function.word);
        }
        if (Double.isNaN(seconds)) {
            seconds = frames > 0 ? 0 : DEFAULT_SECONDS;
        }
        if ((function == Function.PING || function == Function.PINGPONG) && frameSize < Pinger.MIN_SIZE) {
            throw new UsageException("-l " + frameSize + ": ping frames need at least " + Pinger.MIN_SIZE
                    + " bytes (headers, sequence number and send time)");
        }
        if ((function == Function.RX || function == Function.PONG) && rate > 0) {
            throw new UsageException("-R limits what is sent; -f " + function.word + " only answers or receives");
        }
    }

    private static PortSpec spec(String flag, String name) throws UsageException {
        try {
            return PortSpec.parse(name);
        } catch (PortSpecException e) {
            throw new UsageException(flag + " " + name + ": " + e.getMessage());
        }
    }

    /** The other end of a pipe: the same name with the first brace turned around. */
    static String peerOf(String name, PortSpec spec) {
        char from = spec.pipeEnd() == PortSpec.PipeEnd.MASTER ? '{' : '}';
        char to = from == '{' ? '}' : '{';
        int at = name.indexOf(from);
        return name.substring(0, at) + to + name.substring(at + 1);
    }

    private static Function function(String word) throws UsageException {
        for (Function f : Function.values()) {
            if (f.word.equals(word)) {
                return f;
            }
        }
        throw new UsageException("-f " + word + ": unknown function (expected tx, rx, txrx, ping, pong or pingpong)");
    }

    private static String value(String[] args, int i, String flag) throws UsageException {
        if (i >= args.length) {
            throw new UsageException(flag + " needs a value");
        }
        return args[i];
    }

    private static long number(String[] args, int i, String flag, long min, long max) throws UsageException {
        String v = value(args, i, flag);
        long n;
        try {
            n = withSuffix(v);
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " " + v + ": not a number (digits, optionally followed by k, M or G)");
        }
        if (n < min || n > max) {
            throw new UsageException(flag + " " + v + ": must be from " + min + " to " + max);
        }
        return n;
    }

    static long withSuffix(String v) {
        long scale = 1;
        String digits = v;
        if (!v.isEmpty()) {
            switch (v.charAt(v.length() - 1)) {
                case 'k', 'K' -> scale = 1_000;
                case 'm', 'M' -> scale = 1_000_000;
                case 'g', 'G' -> scale = 1_000_000_000;
                default -> scale = 1;
            }
            if (scale != 1) {
                digits = v.substring(0, v.length() - 1);
            }
        }
        return Math.multiplyExact(Long.parseLong(digits), scale);
    }

    private static double seconds(String[] args, int i, String flag) throws UsageException {
        String v = value(args, i, flag);
        double s;
        try {
            s = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new UsageException(flag + " " + v + ": not a number of seconds");
        }
        if (!(s >= 0) || Double.isInfinite(s)) {
            throw new UsageException(flag + " " + v + ": must be 0 (no limit) or more seconds");
        }
        return s;
    }

    public Function function() {
        return function;
    }

    public String port() {
        return port;
    }

    /** The other port of a two-sided function, or null. */
    public String peerPort() {
        return peerPort;
    }

    public int frameSize() {
        return frameSize;
    }

    public int batch() {
        return batch;
    }

    /** Frames per second to send at most; 0 means as fast as possible. */
    public long rate() {
        return rate;
    }

    /** Seconds to run; 0 means until {@link #frames()} or forever. */
    public double seconds() {
        return seconds;
    }

    /** Frames to send (tx) or receive (rx) before stopping; 0 means no limit. */
    public long frames() {
        return frames;
    }

    public boolean perFrameWrites() {
        return perFrameWrites;
    }

    public boolean rxCopy() {
        return rxCopy;
    }

    public boolean busyPoll() {
        return busyPoll;
    }

    /** How the user backend opens interfaces: xdp, packet or auto. */
    public String nic() {
        return nic;
    }

    public boolean quiet() {
        return quiet;
    }

    public boolean help() {
        return help;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "-f %s -i %s%s -l %d -b %d -R %d -T %s -n %d%s%s%s%s", function.word, port,
                peerPort != null ? " -I " + peerPort : "", frameSize, batch, rate, seconds, frames,
                perFrameWrites ? " --per-frame-writes" : "", rxCopy ? " --rx-copy" : "", busyPoll ? " --busy-poll" : "", nic.equals("auto") ? "" : " --nic " + nic);
    }

    static final String USAGE = """
            Usage: pkt-gen [-f FUNCTION] [-i PORT] [-I PORT] [-l LEN] [-b BATCH] [-R RATE] [-T SECONDS] [-n FRAMES]
                           [--per-frame-writes] [--rx-copy] [--plain] [--busy-poll] [--nic M] [-q] [--help]

            A packet generator over netmap ports, built on Netty's NetmapChannel. With no arguments it
            sends 60-byte frames from one end of a user-space pipe to the other for 5 seconds (two event
            loops in this process, no kernel module needed) and prints the rates each second.

              -f FUNCTION   txrx (default)  send on -i and receive on its pipe peer (or -I), in this process
                            tx              send on -i
                            rx              receive on -i and check the sequence numbers
                            ping            send one frame at a time on -i, wait for the echo, report round trips
                            pong            echo every frame received on -i
                            pingpong        ping on -i and pong on its pipe peer (or -I), in this process
              -i PORT       port name (default netmap:pktgen{0). Pipes: netmap:NAME{ID and netmap:NAME}ID;
                            interfaces: netmap:eth0, netmap:eth0-1 (all queues, queue 1); with the
                            kernel module also vale0:p, ...
              -I PORT       the second port of txrx and pingpong (default: the pipe peer of -i)
              -l LEN        frame length in bytes without FCS, 54..1514 (default 60)
              -b BATCH      frames per TX sync (default 512)
              -R RATE       send at most RATE frames per second (default: as fast as possible)
              -T SECONDS    stop after this many seconds; 0 = no limit (default 5, or no limit with -n)
              -n FRAMES     stop after sending (tx) or receiving (rx) this many frames
              -W, --per-frame-writes  send with one ctx.write(ByteBuf) per frame instead of NetmapTxBatch
              -C, --rx-copy           receive into copied ByteBufs instead of zero-copy views
              -P, --plain             both of the above: plain Netty messages, to compare
                  --busy-poll         event loops spin instead of sleeping in poll(2)
                  --nic M             interfaces without the kernel module: xdp (AF_XDP), packet
                                      (AF_PACKET) or auto (default: AF_XDP where it works)
              -q, --quiet   print only the summary
              -h, --help    this text

            Numbers take k, M, G suffixes (-R 2M, -n 100k). Frames are UDP/IPv4 with a 64-bit sequence
            number after the headers; rx counts lost and out-of-order frames from it. Exit code 0 on
            success, 1 when frames were lost or misordered or the port failed, 2 on a bad command line.
            """;
}
