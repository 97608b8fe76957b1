package io.netmap4j.tools;

import io.netmap4j.netty.Netmap;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapIoHandler;
import io.netmap4j.netty.NetmapIoHandlerConfig;
import io.netmap4j.netty.handler.FrameForwarder;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.spec.PortSpecException;
import io.netmap4j.tools.PktGenOptions.UsageException;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * netmap's {@code bridge} on {@link NetmapChannel}s: every frame received on one port is sent on
 * the other, both ways, by two {@link FrameForwarder}s. Both ports run on one event loop by
 * default, so frames move by buffer index when the ports share a memory region (two pipes of one
 * parent, two NICs of one netmap region) and are copied once otherwise; {@code --two-loops} gives
 * each port its own loop (frames are then always copied). Prints the rate of each direction once
 * a second. See {@link #USAGE}.
 */
public final class Bridge {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    /** The command line. */
    record Options(String portA, String portB, double seconds, boolean rxCopy, boolean twoLoops, boolean busyPoll,
            boolean quiet, boolean help) {

        static Options parse(String... args) throws UsageException {
            List<String> ports = new ArrayList<>();
            double seconds = 0;
            boolean rxCopy = false;
            boolean twoLoops = false;
            boolean busyPoll = false;
            boolean quiet = false;
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "-h", "--help" -> {
                        return new Options(null, null, 0, false, false, false, false, true);
                    }
                    case "-i" -> ports.add(value(args, ++i, a));
                    case "-T" -> seconds = seconds(value(args, ++i, a));
                    case "-C", "--rx-copy" -> rxCopy = true;
                    case "--two-loops" -> twoLoops = true;
                    case "--busy-poll" -> busyPoll = true;
                    case "-q", "--quiet" -> quiet = true;
                    default -> throw new UsageException("unknown argument '" + a + "'");
                }
            }
            if (ports.size() != 2) {
                throw new UsageException("give the two ports to bridge: -i PORT -i PORT (got " + ports.size() + ")");
            }
            for (String p : ports) {
                try {
                    PortSpec.parse(p);
                } catch (PortSpecException e) {
                    throw new UsageException("-i " + p + ": " + e.getMessage());
                }
            }
            if (ports.get(0).equals(ports.get(1))) {
                throw new UsageException("-i " + ports.get(0) + " twice: bridge two different ports");
            }
            return new Options(ports.get(0), ports.get(1), seconds, rxCopy, twoLoops, busyPoll, quiet, false);
        }

        private static String value(String[] args, int i, String flag) throws UsageException {
            if (i >= args.length) {
                throw new UsageException(flag + " needs a value");
            }
            return args[i];
        }

        private static double seconds(String v) throws UsageException {
            double s;
            try {
                s = Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw new UsageException("-T " + v + ": not a number of seconds");
            }
            if (!(s >= 0) || Double.isInfinite(s)) {
                throw new UsageException("-T " + v + ": must be 0 (no limit) or more seconds");
            }
            return s;
        }

        @Override
        public String toString() {
            return "-i " + portA + " -i " + portB + " -T " + seconds + (rxCopy ? " --rx-copy" : "")
                    + (twoLoops ? " --two-loops" : "") + (busyPoll ? " --busy-poll" : "");
        }
    }

    /** What a run forwarded; {@code exitCode} is what the command exits with. */
    public record Result(long aToB, long bToA, long dropped, int exitCode) {
    }

    private final Options o;
    private final PrintStream out;
    private final List<EventLoopGroup> groups = new ArrayList<>();
    private final RateMeter aToB = new RateMeter("a->b");
    private final RateMeter bToA = new RateMeter("b->a");
    private Channel a;
    private Channel b;
    private FrameForwarder forwardAToB;
    private FrameForwarder forwardBToA;
    /** Set by Ctrl-C, or by whoever runs the bridge in-process, to end the run. */
    private final AtomicBoolean stop;

    private Bridge(Options o, PrintStream out, AtomicBoolean stop) {
        this.o = o;
        this.out = out;
        this.stop = stop;
    }

    public static void main(String[] args) {
        ToolRun.oneLineLogs();
        System.exit(run(args, System.out, System.err, true));
    }

    /** Parses {@code args} and runs; returns the exit code (2 for a bad command line). */
    static int run(String[] args, PrintStream out, PrintStream err, boolean handleSignals) {
        Options o;
        try {
            o = Options.parse(args);
        } catch (UsageException e) {
            err.println("bridge: " + e.getMessage());
            err.println("Try 'bridge --help' for the options.");
            return 2;
        }
        if (o.help()) {
            out.print(USAGE);
            return 0;
        }
        return execute(o, out, err, handleSignals).exitCode();
    }

    /** Runs a parsed command line until its time is up, Ctrl-C, or a port closes. */
    static Result execute(Options o, PrintStream out, PrintStream err, boolean handleSignals) {
        return execute(o, out, err, handleSignals, new AtomicBoolean());
    }

    /** Like {@link #execute(Options, PrintStream, PrintStream, boolean)}; also ends when {@code stop} is set. */
    static Result execute(Options o, PrintStream out, PrintStream err, boolean handleSignals, AtomicBoolean stop) {
        if (!Netmap.isAvailable()) {
            err.println("bridge: netmap is not usable here: " + Netmap.unavailabilityCause().getMessage());
            return new Result(0, 0, 0, 1);
        }
        Bridge bridge = new Bridge(o, out, stop);
        return ToolRun.untilStopped("bridge", stop, handleSignals, () -> {
            try {
                return bridge.run();
            } catch (Exception e) {
                err.println("bridge: " + e.getMessage());
                return new Result(bridge.aToB.frames(), bridge.bToA.frames(), 0, 1);
            } finally {
                bridge.close();
            }
        });
    }

    private Result run() throws Exception {
        EventLoop loopA = newLoop("a");
        EventLoop loopB = o.twoLoops() ? newLoop("b") : loopA;
        // Bound with AUTO_READ off: each forwarder needs the other channel, so they are added once
        // both ports are open, and reading starts then.
        a = bind(loopA, o.portA());
        b = bind(loopB, o.portB());
        forwardAToB = new FrameForwarder(b);
        forwardBToA = new FrameForwarder(a);
        a.pipeline().addLast(forwardAToB);
        b.pipeline().addLast(forwardBToA);
        a.config().setAutoRead(true);
        b.config().setAutoRead(true);

        out.println("bridge " + o);
        long start = System.nanoTime();
        aToB.start(start);
        bToA.start(start);
        long deadline = o.seconds() > 0 ? start + (long) (o.seconds() * SECOND) : Long.MAX_VALUE;
        long nextTick = start + SECOND;
        long[] last = new long[4];
        boolean portClosed;
        for (;;) {
            LockSupport.parkNanos(Math.max(0, Math.min(TimeUnit.MILLISECONDS.toNanos(20), nextTick - System.nanoTime())));
            long now = System.nanoTime();
            count(last);
            portClosed = !a.isActive() || !b.isActive();
            if (now >= nextTick) {
                if (!o.quiet()) {
                    out.println(String.format(Locale.ROOT, "%6.1f s  ", (now - start) / 1e9) + aToB.tick(now)
                            + "  |  " + bToA.tick(now));
                }
                nextTick += SECOND;
            }
            if (now >= deadline || stop.get() || portClosed) {
                break;
            }
        }
        count(last);
        double secs = (System.nanoTime() - start) / 1e9;
        long dropped = forwardAToB.droppedFrames() + forwardBToA.droppedFrames();
        out.println("--- summary ---");
        out.println(aToB.summary(secs));
        out.println(bToA.summary(secs));
        if (dropped > 0) {
            out.println(dropped + " frames dropped because the other port had closed");
        }
        if (portClosed) {
            out.println("stopped: " + (a.isActive() ? o.portB() : o.portA()) + " closed");
        }
        return new Result(aToB.frames(), bToA.frames(), dropped, portClosed ? 1 : 0);
    }

    /** Adds what the forwarders moved since the last call to the meters. */
    private void count(long[] last) {
        long f = forwardAToB.forwardedFrames();
        long by = forwardAToB.forwardedBytes();
        aToB.add(f - last[0], by - last[1]);
        last[0] = f;
        last[1] = by;
        f = forwardBToA.forwardedFrames();
        by = forwardBToA.forwardedBytes();
        bToA.add(f - last[2], by - last[3]);
        last[2] = f;
        last[3] = by;
    }

    private EventLoop newLoop(String name) {
        NetmapIoHandlerConfig config = new NetmapIoHandlerConfig().setBusyPoll(o.busyPoll());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bridge-" + name, true),
                NetmapIoHandler.newFactory(config));
        groups.add(group);
        return (EventLoop) group.next();
    }

    private Channel bind(EventLoop loop, String port) throws Exception {
        ChannelFuture bound = new Bootstrap().group(loop).channel(NetmapChannel.class)
                .option(NetmapChannelOption.RX_ZERO_COPY, !o.rxCopy())
                .option(NetmapChannelOption.RX_BATCH, !o.rxCopy()) // each read moves to the other port in one write
                .option(NetmapChannelOption.RX_READ_AHEAD, false) // a bridge never reads the frames it moves
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInboundHandlerAdapter())
                .bind(NetmapAddress.of(port)).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            Throwable cause = bound.cause();
            throw new Exception("cannot open " + port + ": " + cause.getMessage(), cause);
        }
        return bound.channel();
    }

    private void close() {
        for (Channel ch : new Channel[] {a, b}) {
            if (ch != null) {
                ch.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
            }
        }
        for (EventLoopGroup g : groups) {
            g.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
    }

    static final String USAGE = """
            Usage: bridge -i PORT -i PORT [-T SECONDS] [--rx-copy] [--two-loops] [--busy-poll] [-q] [--help]

            Forwards every frame received on one port to the other, both ways, as netmap's bridge does,
            with two FrameForwarder handlers on NetmapChannels, and prints the rate of each direction
            once a second. Runs until -T seconds have passed, Ctrl-C, or one of the ports closes.

              -i PORT        a port to bridge (give two). Pipes: netmap:NAME{ID and netmap:NAME}ID;
                             with the kernel module also netmap:eth0, netmap:eth0^ (host rings), vale0:p, ...
              -T SECONDS     stop after this many seconds; 0 = no limit (default)
              -C, --rx-copy  receive into copied ByteBufs, one message per frame, instead of whole
                             batches read in place (RX_BATCH) and moved by buffer index
                  --two-loops  one event loop per port (default: both on one loop, which lets frames of
                             ports that share a memory region move by buffer index instead of by copy)
                  --busy-poll  event loops spin instead of sleeping in poll(2)
              -q, --quiet    print only the summary
              -h, --help     this text

            Exit code 0 when the time ran out or on Ctrl-C, 1 when a port failed or closed, 2 on a bad
            command line.
            """;
}
