package io.netmap4j.tools;

import io.netmap4j.handler.expr.FilterExpression;
import io.netmap4j.handler.expr.FilterSyntaxException;
import io.netmap4j.handler.frame.FramePredicate;
import io.netmap4j.handler.frame.FrameView;
import io.netmap4j.handler.pcap.PcapCaptureHandler;
import io.netmap4j.handler.pcap.PcapReader;
import io.netmap4j.handler.pcap.PcapRecord;
import io.netmap4j.handler.pcap.PcapWriter;
import io.netmap4j.handler.pcap.TimestampPrecision;
import io.netmap4j.tools.PktGenOptions.UsageException;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code capture}: writes a port's frames to a pcap file, as tcpdump {@code -w} does, optionally
 * only those matching a tcpdump-style filter expression. With {@code -r} it filters a pcap file
 * instead of a port. Reports go to stderr, so {@code -w -} can feed {@code tcpdump -r -}.
 */
public final class Capture {
    static final String USAGE = """
            usage: capture -i PORT -w FILE [options] [EXPRESSION]
                   capture -r FILE -w FILE [EXPRESSION]
              -i PORT      netmap port to read (e.g. 'netmap:cap}0', 'netmap:eth0')
              -w FILE      pcap file to write ('-' for standard output)
              -r FILE      read frames from a pcap file instead of a port
              -c COUNT     stop after COUNT frames were written (k, M, G suffixes)
              -s SNAPLEN   keep at most SNAPLEN bytes of each frame (default 262144)
              -U           write out at the end of every read batch, not only when 1 MiB is gathered or once a second
              --nano       nanosecond timestamps (tcpdump --time-stamp-precision=nano)
              -T SECONDS   stop after SECONDS (default: until -c, Ctrl-C or the port goes away)
              -d           print the compiled filter and exit
              -q           no per-second report
              --busy-poll  the event loop spins instead of sleeping
            EXPRESSION is tcpdump's filter language: host, net, port, portrange, ether host, ip, ip6, arp,
            tcp, udp, icmp, icmp6, proto N, vlan [ID], less, greater, broadcast, multicast, and/or/not, ( ).
            """;

    /** What a run did; {@code exitCode} is what the command exits with (2 for a bad command line). */
    public record Result(long seen, long captured, int exitCode) {
    }

    private String port;
    private String output;
    private String input;
    private long count;
    private int snaplen = 262144;
    private boolean everyBatch;
    private boolean nano;
    private double seconds;
    private boolean dump;
    private boolean quiet;
    private boolean busyPoll;
    private final List<String> expression = new ArrayList<>();

    private Capture() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, true, null));
    }

    /**
     * Runs the command line; reports go to {@code err}, the pcap (with {@code -w -}) and {@code -d}
     * to {@code out}. {@code ready}, if not null, runs once the port is open.
     */
    static int run(String[] args, PrintStream out, PrintStream err, boolean handleSignals, Runnable ready) {
        return execute(args, out, err, handleSignals, ready).exitCode();
    }

    static Result execute(String[] args, PrintStream out, PrintStream err, boolean handleSignals, Runnable ready) {
        Args a = new Args("capture", args);
        if (a.wantsHelp()) {
            out.print(USAGE);
            return new Result(0, 0, 0);
        }
        Capture c = new Capture();
        FramePredicate filter;
        try {
            c.parse(a);
            filter = FilterExpression.compile(String.join(" ", c.expression));
        } catch (UsageException | FilterSyntaxException e) {
            err.println("capture: " + e.getMessage());
            err.println("Try 'capture --help' for the options.");
            return new Result(0, 0, 2);
        }
        if (c.dump) {
            out.println(filter);
            return new Result(0, 0, 0);
        }
        try {
            return c.input != null ? c.offline(filter, out, err) : c.live(filter, out, err, handleSignals, ready);
        } catch (Exception e) {
            err.println("capture: " + e.getMessage());
            return new Result(0, 0, 1);
        }
    }

    private void parse(Args a) throws UsageException {
        while (a.hasNext()) {
            String f = a.next();
            switch (f) {
                case "-i" -> port = a.value(f);
                case "-w" -> output = a.value(f);
                case "-r" -> input = a.value(f);
                case "-c" -> count = a.number(f, 1, Long.MAX_VALUE);
                case "-s" -> snaplen = (int) a.number(f, 1, 262144);
                case "-U" -> everyBatch = true;
                case "--nano" -> nano = true;
                case "-T" -> seconds = a.seconds(f);
                case "-d" -> dump = true;
                case "-q" -> quiet = true;
                case "--busy-poll" -> busyPoll = true;
                default -> {
                    if (f.startsWith("-") && f.length() > 1 && expression.isEmpty()) {
                        throw new UsageException("unknown option '" + f + "'");
                    }
                    expression.add(f);
                }
            }
        }
        if (dump) {
            return;
        }
        if (output == null) {
            throw new UsageException("-w FILE is required (the pcap file to write, '-' for standard output)");
        }
        if ((port == null) == (input == null)) {
            throw new UsageException(port == null ? "-i PORT (or -r FILE) is required" : "-i and -r exclude each other");
        }
    }

    private PcapWriter writer(PrintStream out) throws IOException {
        TimestampPrecision p = nano ? TimestampPrecision.NANOS : TimestampPrecision.MICROS;
        return output.equals("-") ? PcapWriter.create(out, "standard output", snaplen, p)
                : PcapWriter.create(Path.of(output), snaplen, p);
    }

    private Result offline(FramePredicate filter, PrintStream out, PrintStream err) throws IOException {
        long seen = 0;
        long written = 0;
        FrameView view = new FrameView();
        try (PcapReader reader = PcapReader.open(Path.of(input)); PcapWriter w = writer(out)) {
            for (PcapRecord r; (r = reader.next()) != null && (count == 0 || written < count); ) {
                seen++;
                if (filter.test(view.wrap(Unpooled.wrappedBuffer(r.data())))) {
                    w.write(r.data(), r.originalLength(), r.epochNanos());
                    written++;
                }
            }
        }
        err.printf(Locale.ROOT, "%d frames captured%n%d frames seen by the filter%n", written, seen);
        return new Result(seen, written, 0);
    }

    private Result live(FramePredicate filter, PrintStream out, PrintStream err, boolean handleSignals, Runnable ready)
            throws Exception {
        String why = FunctionRunner.unavailable();
        if (why != null) {
            throw new Exception(why);
        }
        PcapWriter writer = writer(out);
        PcapCaptureHandler capture = new PcapCaptureHandler(writer).filter(filter).consume(true)
                .flushEveryBatch(everyBatch).limit(count);
        Failure failure = new Failure();
        FunctionRunner runner = new FunctionRunner("capture", busyPoll);
        List<String> closed = List.of();
        try {
            Channel ch;
            try {
                ch = runner.bind(port, capture);
            } catch (Exception e) {
                writer.close();
                throw e;
            }
            ch.pipeline().addLast(failure);
            if (ready != null) {
                ready.run();
            }
            long[] last = new long[2];
            runner.run(() -> capture.isLimitReached() || !ch.isActive() || failure.cause != null, seconds, nanos -> {
                long s = capture.seen();
                long c = capture.captured();
                String line = String.format(Locale.ROOT, "seen %8.3f Mpps %10d  |  captured %8.3f Mpps %10d",
                        (s - last[0]) * 1e3 / nanos, s - last[0], (c - last[1]) * 1e3 / nanos, c - last[1]);
                last[0] = s;
                last[1] = c;
                return line;
            }, quiet, err, handleSignals);
            closed = runner.closedPorts();
        } finally {
            runner.close();
        }
        err.printf(Locale.ROOT, "%d frames captured%n%d frames seen by the filter%n", capture.captured(), capture.seen());
        if (failure.cause != null) {
            err.println("capture: " + failure.cause.getMessage());
            return new Result(capture.seen(), capture.captured(), 1);
        }
        return new Result(capture.seen(), capture.captured(), FunctionRunner.reportClosed("capture", closed, err));
    }

    /** Keeps the first error the pipeline reports (a write error of the pcap output, a port failure). */
    private static final class Failure extends ChannelInboundHandlerAdapter {
        volatile Throwable cause;

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable t) {
            if (cause == null) {
                cause = t;
            }
        }
    }
}
