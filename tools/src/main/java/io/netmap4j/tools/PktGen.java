package io.netmap4j.tools;

import io.netmap4j.netty.Netmap;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapIoHandler;
import io.netmap4j.netty.NetmapIoHandlerConfig;
import io.netmap4j.tools.PktGenOptions.Function;
import io.netmap4j.tools.PktGenOptions.UsageException;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A pkt-gen-like packet generator on {@link NetmapChannel}: {@code tx}, {@code rx}, {@code ping}
 * and {@code pong} on any port, or both sides of a pipe in one process ({@code txrx}, the
 * default, and {@code pingpong}). Each side runs on its own single-threaded event loop; this
 * thread only prints the rates once a second and decides when the run is over. See
 * {@link PktGenOptions#USAGE} or {@code pkt-gen --help}.
 */
public final class PktGen {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    /** After the sender stopped, how long the receiver may go without a frame before the run ends. */
    private static final long DRAIN_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final long STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    /** What a run counted; {@code exitCode} is what the command exits with. */
    public record Result(long sent, long received, long lost, long outOfOrder, long foreign, int exitCode) {
    }

    private final PktGenOptions o;
    private final PrintStream out;
    private final List<EventLoopGroup> groups = new ArrayList<>();
    private final List<Channel> channels = new ArrayList<>();
    private final RateMeter txMeter;
    private final RateMeter rxMeter;
    private final LatencyStats latency = new LatencyStats();
    private TxGenerator generator;
    private RxChecker checker;
    private Pinger pinger;
    private Channel sender;
    private Channel receiver;
    /** Set by Ctrl-C: the run ends and prints its summary. */
    private final AtomicBoolean stop = new AtomicBoolean();
    /** True from the start of the run to its summary; the ports close after it. */
    private volatile boolean running;
    /** The first port that closed while the run went on (its peer went away, a write failed), or null. */
    private final AtomicReference<String> closedEarly = new AtomicReference<>();

    private PktGen(PktGenOptions o, PrintStream out) {
        this.o = o;
        this.out = out;
        boolean ping = o.function() == Function.PING || o.function() == Function.PINGPONG;
        this.txMeter = new RateMeter(ping ? "ping" : o.function() == Function.PONG ? "pong" : "tx");
        this.rxMeter = new RateMeter(ping ? "echo" : "rx");
    }

    public static void main(String[] args) {
        ToolRun.oneLineLogs();
        System.exit(run(args, System.out, System.err, true));
    }

    /** Parses {@code args} and runs; returns the exit code (2 for a bad command line). */
    static int run(String[] args, PrintStream out, PrintStream err, boolean handleSignals) {
        PktGenOptions o;
        try {
            o = PktGenOptions.parse(args);
        } catch (UsageException e) {
            err.println("pkt-gen: " + e.getMessage());
            err.println("Try 'pkt-gen --help' for the options.");
            return 2;
        }
        if (o.help()) {
            out.print(PktGenOptions.USAGE);
            return 0;
        }
        return execute(o, out, err, handleSignals).exitCode();
    }

    /** Runs a parsed command line; everything it prints goes to {@code out}, failures to {@code err}. */
    public static Result execute(PktGenOptions o, PrintStream out, PrintStream err, boolean handleSignals) {
        if (!Netmap.isAvailable()) {
            err.println("pkt-gen: netmap is not usable here: " + Netmap.unavailabilityCause().getMessage());
            return new Result(0, 0, 0, 0, 0, 1);
        }
        PktGen gen = new PktGen(o, out);
        return ToolRun.untilStopped("pkt-gen", gen.stop, handleSignals, () -> {
            try {
                return gen.run();
            } catch (Exception e) {
                err.println("pkt-gen: " + e.getMessage());
                return new Result(gen.txMeter.frames(), gen.rxMeter.frames(), 0, 0, 0, 1);
            } finally {
                gen.close();
            }
        });
    }

    private Result run() throws Exception {
        FrameTemplate template = FrameTemplate.standard(o.frameSize());
        Function f = o.function();
        switch (f) {
            case TXRX -> {
                checker = new RxChecker(rxMeter, o.frames());
                receiver = bind(o.peerPort(), "rx", checker);
                generator = new TxGenerator(template, o.batch(), o.perFrameWrites(), o.frames(), o.rate(), txMeter);
                sender = bind(o.port(), "tx", generator);
            }
            case TX -> {
                generator = new TxGenerator(template, o.batch(), o.perFrameWrites(), o.frames(), o.rate(), txMeter);
                sender = bind(o.port(), "tx", generator);
            }
            case RX -> {
                checker = new RxChecker(rxMeter, o.frames());
                receiver = bind(o.port(), "rx", checker);
            }
            case PONG -> receiver = bind(o.port(), "pong", new Ponger(txMeter));
            case PING, PINGPONG -> {
                if (f == Function.PINGPONG) {
                    receiver = bind(o.peerPort(), "pong", new Ponger(new RateMeter("pong")));
                }
                pinger = new Pinger(template, o.frames(), o.rate(), txMeter, rxMeter, latency);
                sender = bind(o.port(), "ping", pinger);
            }
        }
        out.println("pkt-gen " + o);
        running = true;
        long start = System.nanoTime();
        txMeter.start(start);
        rxMeter.start(start);
        if (generator != null) {
            generator.start();
        }
        if (pinger != null) {
            pinger.start();
        }
        long deadline = o.seconds() > 0 ? start + (long) (o.seconds() * SECOND) : Long.MAX_VALUE;
        long nextTick = start + SECOND;
        long stoppedAt = 0;
        for (;;) {
            LockSupport.parkNanos(Math.max(0, Math.min(STEP_NANOS, nextTick - System.nanoTime())));
            long now = System.nanoTime();
            if (now >= nextTick) {
                if (!o.quiet()) {
                    out.println(tick(now, start));
                }
                nextTick += SECOND;
            }
            if (stoppedAt == 0 && (now >= deadline || stop.get() || sourceDone() || closedEarly.get() != null)) {
                stoppedAt = now;
                if (generator != null) {
                    generator.stop();
                }
                if (pinger != null) {
                    pinger.stop();
                }
            }
            if (stoppedAt != 0 && (drained(now, stoppedAt) || closedEarly.get() != null)) {
                break;
            }
        }
        running = false;
        return summary(start);
    }

    /** The side that produces frames (or, alone, the side that consumes them) has nothing more to do. */
    private boolean sourceDone() {
        return switch (o.function()) {
            case TXRX, TX -> generator.isFinished();
            case RX -> checker.isFinished();
            case PONG -> !receiver.isActive();
            case PING, PINGPONG -> pinger.isFinished();
        };
    }

    /** After the stop: the receiver got everything, or stopped getting anything. */
    private boolean drained(long now, long stoppedAt) {
        return switch (o.function()) {
            case TXRX -> rxMeter.frames() >= txMeter.frames() && generator.isFinished()
                    || now - Math.max(stoppedAt, rxMeter.lastAddNanos()) > DRAIN_NANOS;
            case TX -> generator.isFinished() || now - stoppedAt > DRAIN_NANOS;
            case PING, PINGPONG -> pinger.isFinished() || now - stoppedAt > 2 * SECOND;
            case RX, PONG -> true;
        };
    }

    private String tick(long now, long start) {
        String head = String.format(Locale.ROOT, "%6.1f s  ", (now - start) / 1e9);
        return switch (o.function()) {
            case TXRX -> head + txMeter.tick(now) + "  |  " + rxMeter.tick(now);
            case TX, PONG -> head + txMeter.tick(now);
            case RX -> head + rxMeter.tick(now);
            case PING, PINGPONG -> head + String.format(Locale.ROOT, "%.0f round trips/s, %s",
                    rxMeter.tickRate(now), latency.interval());
        };
    }

    private Result summary(long start) {
        Function f = o.function();
        long sent = txMeter.frames();
        long received = rxMeter.frames();
        long lost = 0;
        long late = 0;
        int code = 0;
        out.println("--- summary ---");
        if (sender != null || f == Function.PONG) {
            out.println(txMeter.summary(seconds(start, txMeter)));
        }
        switch (f) {
            case TXRX, RX -> {
                out.println(rxMeter.summary(seconds(start, rxMeter)));
                lost = checker.lost();
                late = checker.outOfOrder();
                if (f == Function.TXRX) {
                    // Frames never seen at all (at the end of the run) are lost too.
                    lost = Math.max(lost, sent - received);
                }
                out.printf(Locale.ROOT, "%s%d frames received, %d lost, %d out of order%s%n",
                        f == Function.TXRX ? sent + " frames sent, " : "", received, lost, late,
                        checker.foreign() > 0 ? ", " + checker.foreign() + " foreign (not from a netmap4j pkt-gen)" : "");
                // foreign frames are reported, not a failure: another generator may share the port
                code = lost == 0 && late == 0 ? 0 : 1;
            }
            case PING, PINGPONG -> {
                lost = pinger.lost();
                out.printf(Locale.ROOT, "%d pings, %d answered, %d lost; %s%n", sent, received, lost,
                        latency.summary());
                code = received > 0 ? 0 : 1;
            }
            case TX, PONG -> {
            }
        }
        String closed = closedEarly.get();
        if (closed != null && f != Function.PONG) { // a pong ends when its port closes
            out.println("pkt-gen: " + closed + " closed during the run; the counts above end there");
            code = 1;
        }
        return new Result(sent, received, lost, late, checker == null ? 0 : checker.foreign(), code);
    }

    private static double seconds(long start, RateMeter m) {
        long last = m.lastAddNanos();
        return last == 0 ? 0 : (last - start) / 1e9;
    }

    private Channel bind(String port, String role, ChannelHandler handler) throws Exception {
        NetmapIoHandlerConfig config = new NetmapIoHandlerConfig().setBusyPoll(o.busyPoll());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("pkt-gen-" + role, true),
                NetmapIoHandler.newFactory(config));
        groups.add(group);
        ChannelFuture bound = new Bootstrap().group(group).channel(NetmapChannel.class)
                .option(NetmapChannelOption.RX_ZERO_COPY, !o.rxCopy())
                .option(NetmapChannelOption.NIC_MECHANISM, o.nic())
                .handler(handler)
                .bind(NetmapAddress.of(port)).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            Throwable cause = bound.cause();
            throw new Exception("cannot open " + port + " for " + role + ": " + cause.getMessage(), cause);
        }
        Channel ch = bound.channel();
        ch.closeFuture().addListener(closed -> {
            if (running && (checker == null || !checker.countReached())) { // the checker closes its port at the count
                closedEarly.compareAndSet(null, port);
            }
        });
        channels.add(ch);
        return ch;
    }

    private void close() {
        for (Channel ch : channels) {
            ch.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        for (EventLoopGroup g : groups) {
            g.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
    }
}
