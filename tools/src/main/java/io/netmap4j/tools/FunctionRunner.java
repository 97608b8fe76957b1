package io.netmap4j.tools;

import io.netmap4j.netty.Netmap;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapIoHandler;
import io.netmap4j.netty.NetmapIoHandlerConfig;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongFunction;

/**
 * What the network-function tools share: one event loop (one core) for every port of the
 * function, binding ports on it, a once-a-second report until the work is done, a time limit or
 * Ctrl-C, and an orderly close.
 */
final class FunctionRunner implements AutoCloseable {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final String tool;
    private final EventLoopGroup group;
    private final List<Channel> channels = new ArrayList<>();
    /** The port name each channel of {@link #channels} was bound to, in the same order. */
    private final List<String> ports = new ArrayList<>();
    private volatile boolean interrupted;

    FunctionRunner(String tool, boolean busyPoll) {
        this.tool = tool;
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(tool, true),
                NetmapIoHandler.newFactory(new NetmapIoHandlerConfig().setBusyPoll(busyPoll)));
    }

    /** Null when netmap can be used here, else why not, as a message for the user. */
    static String unavailable() {
        return Netmap.isAvailable() ? null : "netmap is not usable here: " + Netmap.unavailabilityCause()
                + " (run java with --enable-native-access=ALL-UNNAMED, on Linux)";
    }

    /**
     * Binds {@code port} on the function's event loop with zero-copy RX, delivering whole RX
     * batches ({@code RX_BATCH}): the tools' handlers take them, and frames move by index.
     */
    Channel bind(String port, ChannelHandler handler) throws Exception {
        NetmapAddress address;
        try {
            address = NetmapAddress.of(port);
        } catch (IllegalArgumentException e) {
            throw new Exception("bad port name " + port + ": " + e.getMessage(), e);
        }
        ChannelFuture bound = new Bootstrap().group(group).channel(NetmapChannel.class)
                .option(NetmapChannelOption.RX_ZERO_COPY, true)
                .option(NetmapChannelOption.RX_BATCH, true)
                .handler(handler)
                .bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            throw new Exception("cannot open " + port + ": " + bound.cause().getMessage(), bound.cause());
        }
        channels.add(bound.channel());
        ports.add(port);
        return bound.channel();
    }

    /**
     * Prints {@code tick} (given the nanoseconds since the last line) once a second to {@code out}
     * unless {@code quiet}, until {@code done} is true, {@code seconds} passed (0: no limit), or
     * Ctrl-C (with {@code handleSignals}).
     *
     * @return the run's length in nanoseconds
     */
    long run(BooleanSupplier done, double seconds, LongFunction<String> tick, boolean quiet, PrintStream out,
            boolean handleSignals) {
        CountDownLatch over = new CountDownLatch(1);
        Thread hook = null;
        if (handleSignals) {
            hook = new Thread(() -> {
                interrupted = true;
                try {
                    over.await(3, TimeUnit.SECONDS);
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }, tool + "-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
        }
        long start = System.nanoTime();
        long deadline = seconds > 0 ? start + (long) (seconds * SECOND) : Long.MAX_VALUE;
        long last = start;
        long nextTick = start + SECOND;
        try {
            while (!done.getAsBoolean() && !interrupted) {
                long now = System.nanoTime();
                if (now >= deadline) {
                    break;
                }
                if (now >= nextTick) {
                    if (!quiet) {
                        out.println(String.format(Locale.ROOT, "%6.1f s  ", (now - start) / 1e9) + tick.apply(now - last));
                    }
                    last = now;
                    nextTick += SECOND;
                }
                LockSupport.parkNanos(Math.max(0, Math.min(TimeUnit.MILLISECONDS.toNanos(20), Math.min(nextTick, deadline) - now)));
            }
            return System.nanoTime() - start;
        } finally {
            over.countDown();
            if (hook != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException ignored) {
                    // the JVM is already shutting down
                }
            }
        }
    }

    boolean interrupted() {
        return interrupted;
    }

    /** Ends {@link #run} as Ctrl-C would (from any thread). */
    void stop() {
        interrupted = true;
    }

    /**
     * The bound ports whose channel closed before this runner closed it: only a peer that died,
     * or a failure of the port, does that. Call after {@link #run}, before {@link #close}.
     */
    List<String> closedPorts() {
        List<String> closed = new ArrayList<>();
        for (int i = 0; i < channels.size(); i++) {
            if (!channels.get(i).isActive()) {
                closed.add(ports.get(i));
            }
        }
        return closed;
    }

    /**
     * Says, after a tool's summary, which ports closed during its run (from {@link #closedPorts}).
     *
     * @return 1 when one did (the tool exits 1, as pkt-gen does), else 0
     */
    static int reportClosed(String tool, List<String> closed, PrintStream out) {
        for (String port : closed) {
            out.println(tool + ": " + port + " closed during the run; the counts above end there");
        }
        return closed.isEmpty() ? 0 : 1;
    }

    /** Frames per second and bits per second of frame data, and the frame count, for report lines. */
    static String rate(String label, long frames, long bytes, long nanos) {
        return RateMeter.format(label, frames, bytes, nanos / 1e9) + String.format(Locale.ROOT, " %12d frames", frames);
    }

    /** Closes every channel (which flushes and closes what their handlers own) and the event loop. */
    @Override
    public void close() {
        for (Channel ch : channels) {
            ch.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
