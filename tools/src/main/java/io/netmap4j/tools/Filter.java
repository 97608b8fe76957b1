package io.netmap4j.tools;

import io.netmap4j.handler.filter.FilterHandler;
import io.netmap4j.handler.filter.Rule;
import io.netmap4j.handler.filter.RuleCounters;
import io.netmap4j.handler.filter.RuleTable;
import io.netmap4j.netty.handler.FrameForwarder;
import io.netmap4j.tools.PktGenOptions.UsageException;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * {@code filter}: forwards frames from one port to another through a first-match rule table
 * (allow, deny, count; see {@link RuleTable} for the format), and with {@code --both} the other way
 * too, all on one event loop, printing rates every second and the per-rule counters at the end.
 */
public final class Filter {
    static final String USAGE = """
            usage: filter -i PORT -o PORT -f RULES [options]
              -i PORT      port to read frames from (e.g. 'netmap:fw}0')
              -o PORT      port to send the allowed frames to (e.g. 'netmap:fw{1')
              -f RULES     rule file: 'ACTION PROTO [from ADDR [port P]] [to ADDR [port P]]' per line,
                           first match wins, plus 'default allow|deny' and 'malformed allow|deny'
              --both       filter the frames from -o to -i too, with the same rules
              -T SECONDS   stop after SECONDS
              -q           no per-second report
              --busy-poll  the event loop spins instead of sleeping
            """;

    /** What a run did; {@code exitCode} is what the command exits with (2 for a bad command line). */
    public record Result(long allowed, long denied, RuleCounters.Snapshot counters, int exitCode) {
    }

    private String in;
    private String out;
    private String rulesFile;
    private boolean both;
    private double seconds;
    private boolean quiet;
    private boolean busyPoll;

    private Filter() {
    }

    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err, true, null).exitCode());
    }

    static Result execute(String[] args, PrintStream out, PrintStream err, boolean handleSignals, Consumer<Runnable> ready) {
        Args a = new Args("filter", args);
        if (a.wantsHelp()) {
            out.print(USAGE);
            return new Result(0, 0, null, 0);
        }
        Filter f = new Filter();
        RuleTable table;
        try {
            f.parse(a);
            table = RuleTable.load(Path.of(f.rulesFile));
        } catch (UsageException | IllegalArgumentException e) {
            err.println("filter: " + e.getMessage());
            return new Result(0, 0, null, 2);
        } catch (Exception e) {
            err.println("filter: cannot read " + f.rulesFile + ": " + e.getMessage());
            return new Result(0, 0, null, 2);
        }
        try {
            return f.run(table, out, handleSignals, ready);
        } catch (Exception e) {
            err.println("filter: " + e.getMessage());
            return new Result(0, 0, null, 1);
        }
    }

    private void parse(Args a) throws UsageException {
        while (a.hasNext()) {
            String flag = a.next();
            switch (flag) {
                case "-i" -> in = a.value(flag);
                case "-o" -> out = a.value(flag);
                case "-f" -> rulesFile = a.value(flag);
                case "--both" -> both = true;
                case "-T" -> seconds = a.seconds(flag);
                case "-q" -> quiet = true;
                case "--busy-poll" -> busyPoll = true;
                default -> throw new UsageException("unknown argument '" + flag + "'");
            }
        }
        if (in == null || out == null || rulesFile == null) {
            throw new UsageException(in == null ? "-i PORT is required" : out == null ? "-o PORT is required"
                    : "-f RULES is required");
        }
    }

    private Result run(RuleTable table, PrintStream o, boolean handleSignals, Consumer<Runnable> ready) throws Exception {
        String why = FunctionRunner.unavailable();
        if (why != null) {
            throw new Exception(why);
        }
        FilterHandler forward = new FilterHandler(table);
        FrameForwarder[] forwarders = new FrameForwarder[2];
        Channel[] ports = new Channel[2];
        FilterHandler backward = both ? new FilterHandler(table) : null;
        List<String> closed;
        try (FunctionRunner runner = new FunctionRunner("filter", busyPoll)) {
            Channel a = runner.bind(in, new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(forward);
                }
            });
            ports[0] = a;
            Channel b = runner.bind(out, new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    if (backward != null) {
                        ch.pipeline().addLast(backward);
                    }
                }
            });
            // Each side forwards what its filter allows to the other; without --both, b's frames are dropped.
            a.eventLoop().submit(() -> {
                forwarders[0] = new FrameForwarder(b);
                a.pipeline().addLast(forwarders[0]);
                ChannelPipeline pb = b.pipeline();
                if (backward != null) {
                    forwarders[1] = new FrameForwarder(a);
                    pb.addLast(forwarders[1]);
                } else {
                    pb.addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                            io.netty.util.ReferenceCountUtil.release(msg);
                        }
                    });
                }
            }).sync();
            ports[1] = b;
            o.println("filter " + in + " -> " + out + (both ? " and back" : "") + ": " + table.rules().size()
                    + " rules, default " + table.defaultAction().name().toLowerCase(Locale.ROOT));
            if (ready != null) {
                ready.accept(runner::stop);
            }
            long[] last = new long[2];
            runner.run(() -> !a.isActive() || !b.isActive(), seconds, nanos -> {
                long al = forward.allowed() + (backward == null ? 0 : backward.allowed());
                long de = forward.denied() + (backward == null ? 0 : backward.denied());
                String line = String.format(Locale.ROOT, "allowed %8.3f Mpps  denied %8.3f Mpps",
                        (al - last[0]) * 1e3 / nanos, (de - last[1]) * 1e3 / nanos);
                last[0] = al;
                last[1] = de;
                return line;
            }, quiet, o, handleSignals);
            closed = runner.closedPorts();
        }
        RuleCounters.Snapshot s = forward.counters().snapshot();
        long allowed = forward.allowed();
        long denied = forward.denied();
        if (backward != null) {
            RuleCounters.Snapshot back = backward.counters().snapshot();
            long[] frames = s.frames().clone();
            long[] bytes = s.bytes().clone();
            for (int i = 0; i < frames.length; i++) {
                frames[i] += back.frames()[i];
                bytes[i] += back.bytes()[i];
            }
            s = new RuleCounters.Snapshot(frames, bytes, s.defaultFrames() + back.defaultFrames(),
                    s.defaultBytes() + back.defaultBytes(), s.malformedFrames() + back.malformedFrames());
            allowed += backward.allowed();
            denied += backward.denied();
        }
        o.println("--- rules ---");
        List<Rule> rules = table.rules();
        for (int i = 0; i < rules.size(); i++) {
            o.printf(Locale.ROOT, "%12d frames %14d bytes  line %d: %s%n", s.frames()[i], s.bytes()[i], rules.get(i).line(),
                    rules.get(i).text());
        }
        o.printf(Locale.ROOT, "%12d frames %14d bytes  default %s%n", s.defaultFrames(), s.defaultBytes(),
                table.defaultAction().name().toLowerCase(Locale.ROOT));
        o.printf(Locale.ROOT, "%12d frames malformed (%s)%n", s.malformedFrames(),
                table.malformedAction().name().toLowerCase(Locale.ROOT));
        o.printf(Locale.ROOT, "%d frames allowed, %d denied%n", allowed, denied);
        for (int i = 0; i < 2; i++) {
            if (forwarders[i] != null) {
                o.printf(Locale.ROOT, "%s -> %s: %d frames forwarded, %d by buffer index (no copy), reads paused %d times%n",
                        i == 0 ? in : out, i == 0 ? out : in, forwarders[i].forwardedFrames(),
                        ((io.netmap4j.netty.NetmapChannel) ports[1 - i]).txZeroCopyFrames(), forwarders[i].pauses());
            }
        }
        return new Result(allowed, denied, s, FunctionRunner.reportClosed("filter", closed, o));
    }
}
