package io.netmap4j.tools;

import io.netmap4j.handler.pcap.PcapReplayHandler;
import io.netmap4j.handler.pcap.PcapTrace;
import io.netmap4j.tools.PktGenOptions.UsageException;
import io.netty.channel.Channel;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code replay}: sends the frames of a pcap file onto a port, as nmreplay does: at the recorded
 * pace (optionally sped up), at a bit or frame rate, or as fast as the ring takes them, once or
 * in a loop, printing the rate every second.
 */
public final class Replay {
    static final String USAGE = """
            usage: replay -i PORT -f FILE [options]
              -i PORT      netmap port to send on (e.g. 'netmap:cap{0', 'netmap:eth0')
              -f FILE      pcap file to send (Ethernet frames; pcapng: convert with editcap -F pcap)
              -B PACE      real[,SPEEDUP]: the recorded pace, SPEEDUP times faster (default 1)
                           [constant,]BPS: BPS bits/s of frame data; ether,BPS: BPS on the wire (+24 B a frame)
              -R RATE      frames per second
                           (neither -B nor -R: as fast as possible)
              -l LOOPS     send the file LOOPS times, 0 for ever (default 1)
              -b BURST     frames per TX sync at most (default 512)
              -T SECONDS   stop after SECONDS
              -q           no per-second report
              --busy-poll  the event loop spins instead of sleeping
            Numbers take k, M, G suffixes: -B 1G, -R 2.5M.
            """;

    /** What a run did; {@code exitCode} is what the command exits with (2 for a bad command line). */
    public record Result(long sent, long bytes, long skipped, int exitCode) {
    }

    private String port;
    private String file;
    private String pace;
    private String paceKind;
    private double paceValue;
    private double rate;
    private long loops = 1;
    private int burst = 512;
    private double seconds;
    private boolean quiet;
    private boolean busyPoll;

    private Replay() {
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err, true).exitCode());
    }

    static Result execute(String[] args, PrintStream out, PrintStream err, boolean handleSignals) {
        Args a = new Args("replay", args);
        if (a.wantsHelp()) {
            out.print(USAGE);
            return new Result(0, 0, 0, 0);
        }
        Replay r = new Replay();
        PcapReplayHandler handler;
        PcapTrace trace;
        try {
            r.parse(a);
        } catch (UsageException e) {
            err.println("replay: " + e.getMessage());
            err.println("Try 'replay --help' for the options.");
            return new Result(0, 0, 0, 2);
        }
        try {
            trace = PcapTrace.load(Path.of(r.file));
        } catch (Exception e) {
            err.println("replay: cannot load " + r.file + ": " + e.getMessage());
            return new Result(0, 0, 0, 1);
        }
        try (trace) {
            handler = new PcapReplayHandler(trace).loops(r.loops).burst(r.burst);
            r.configurePace(handler);
            return r.send(trace, handler, out, err, handleSignals);
        } catch (Exception e) {
            err.println("replay: " + e.getMessage());
            return new Result(0, 0, 0, 1);
        }
    }

    private void parse(Args a) throws UsageException {
        while (a.hasNext()) {
            String f = a.next();
            switch (f) {
                case "-i" -> port = a.value(f);
                case "-f" -> file = a.value(f);
                case "-B" -> pace = a.value(f);
                case "-R" -> rate = Args.parseDecimal(f, a.value(f));
                case "-l" -> loops = a.number(f, 0, Long.MAX_VALUE);
                case "-b" -> burst = (int) a.number(f, 1, 65536);
                case "-T" -> seconds = a.seconds(f);
                case "-q" -> quiet = true;
                case "--busy-poll" -> busyPoll = true;
                default -> throw new UsageException("unknown argument '" + f + "'");
            }
        }
        if (port == null || file == null) {
            throw new UsageException(port == null ? "-i PORT is required" : "-f FILE is required");
        }
        if (pace != null && rate > 0) {
            throw new UsageException("-B and -R exclude each other");
        }
        parsePace();
    }

    /** Checks -B and -R and remembers the pace as a kind and a number. */
    private void parsePace() throws UsageException {
        if (rate > 0 || pace == null) {
            return;
        }
        String[] p = pace.split(",", 2);
        switch (p[0]) {
            case "real" -> paceValue = p.length > 1 ? Args.parseDecimal("-B", p[1]) : 1;
            case "constant", "ether" -> paceValue = bits(p);
            default -> {
                if (p.length > 1) {
                    throw new UsageException("-B " + pace + ": expected real[,SPEEDUP], [constant,]BPS or ether,BPS");
                }
                paceValue = Args.parseDecimal("-B", p[0]);
            }
        }
        if (!(paceValue > 0)) {
            throw new UsageException("-B " + pace + ": must be positive");
        }
        paceKind = p.length > 1 || p[0].equals("real") ? p[0] : "constant";
    }

    private void configurePace(PcapReplayHandler h) {
        if (rate > 0) {
            h.frameRate(rate);
        } else if (paceKind != null) {
            switch (paceKind) {
                case "real" -> h.recordedPace(paceValue);
                case "ether" -> h.bitRate(paceValue, true);
                default -> h.bitRate(paceValue, false);
            }
        }
    }

    private double bits(String[] p) throws UsageException {
        if (p.length < 2) {
            throw new UsageException("-B " + pace + ": a bit rate must follow the comma, like " + p[0] + ",1G");
        }
        return Args.parseDecimal("-B", p[1]);
    }

    private Result send(PcapTrace trace, PcapReplayHandler handler, PrintStream out, PrintStream err, boolean handleSignals)
            throws Exception {
        String why = FunctionRunner.unavailable();
        if (why != null) {
            throw new Exception(why);
        }
        long nanos;
        List<String> closed;
        try (FunctionRunner runner = new FunctionRunner("replay", busyPoll)) {
            Channel ch = runner.bind(port, handler);
            out.printf(Locale.ROOT, "replay %s: %d frames, %d bytes, %.3f s recorded%s%n", file, trace.frames(), trace.bytes(),
                    trace.durationNanos() / 1e9, trace.truncatedFrames() > 0
                            ? " (" + trace.truncatedFrames() + " cut at the capture's snaplen, sent as captured)" : "");
            handler.start();
            long[] last = new long[2];
            nanos = runner.run(() -> handler.isFinished() || !ch.isActive(), seconds, n -> {
                long f = handler.sentFrames();
                long b = handler.sentBytes();
                String line = FunctionRunner.rate("tx", f - last[0], b - last[1], n);
                last[0] = f;
                last[1] = b;
                return line;
            }, quiet, out, handleSignals);
            // Only the peer's death or a failed write closes the channel before the runner does
            // (the handler then counts as finished too, so its state cannot tell).
            closed = runner.closedPorts();
            handler.stop();
        }
        long sent = handler.sentFrames();
        long bytes = handler.sentBytes();
        out.println("--- summary ---");
        out.println(FunctionRunner.rate(String.format(Locale.ROOT, "tx %d frames, %d bytes in %.3f s:", sent, bytes, nanos / 1e9),
                sent, bytes, nanos));
        if (handler.skippedFrames() > 0) {
            err.println("replay: skipped " + handler.skippedFrames() + " frames larger than the port's buffers");
        }
        int code = Math.max(handler.skippedFrames() > 0 ? 1 : 0, FunctionRunner.reportClosed("replay", closed, out));
        return new Result(sent, bytes, handler.skippedFrames(), code);
    }
}
