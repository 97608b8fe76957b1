package io.netmap4j.microbench.scale;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.microbench.netty.NettyPipeBenchmark;
import io.netmap4j.microbench.support.CpuAffinity;
import io.netmap4j.microbench.support.Frames;
import io.netmap4j.microbench.support.ReceivedFrames;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapIoHandler;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * How late a frame that arrives on an idle port is read, when {@link #idle} ports sit on the
 * receiving loop: one operation sends one frame into one idle pipe (round-robin over all of
 * them, from this thread through the pipe's raw other end) and waits until the idle port's
 * channel has read it. With {@code busy} the loop also streams a busy pipe (as in
 * {@link IdlePortsBenchmark}), so the frame must find its way into an iteration that is busy
 * elsewhere (the busy sender's loop pinned to CPU 0, the receiving loop to CPU 1); without, the
 * loop sleeps and the frame must wake it. The time includes waking this
 * thread after the read (it parks), so it is an upper bound of the delivery time; read the
 * percentiles. The delivery time alone (from just before the send's txsync to channelRead, both
 * clocks read in this JVM) is printed at the end of each trial as
 * {@code delivery: p50 ... p99 ... p99.9 ... max ...}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class IdlePortLatencyBenchmark {
    private static final AtomicInteger NEXT = new AtomicInteger();

    @Param({"1000", "4000"})
    public int idle;

    @Param({"true", "false"})
    public boolean busy;

    private EventLoopGroup txGroup;
    private EventLoopGroup rxGroup;
    private final List<Channel> channels = new ArrayList<>();
    private final List<NetmapPort> senders = new ArrayList<>();
    private final Arrivals arrivals = new Arrivals();
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        rxGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-rx", true),
                NetmapIoHandler.newFactory());
        String prefix = "netmap:jmh" + ProcessHandle.current().pid() + "l" + NEXT.incrementAndGet();
        List<ChannelFuture> pending = new ArrayList<>();
        for (int k = 0; k < idle; k++) {
            String pipe = prefix + "i" + k;
            pending.add(new Bootstrap().group(rxGroup).channel(NetmapChannel.class).handler(arrivals)
                    .bind(NetmapAddress.of(pipe + "}0@conf:slots=" + IdlePortsBenchmark.IDLE_SLOTS)));
            senders.add(UserBackend.INSTANCE.open(
                    PortSpec.parse(pipe + "{0@conf:slots=" + IdlePortsBenchmark.IDLE_SLOTS)));
            if (pending.size() == 256 || k == idle - 1) {
                for (ChannelFuture f : pending) {
                    channels.add(f.sync().channel());
                }
                pending.clear();
            }
        }
        if (busy) {
            txGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-tx", true),
                    NetmapIoHandler.newFactory());
            channels.add(new Bootstrap().group(rxGroup).channel(NetmapChannel.class)
                    .option(NetmapChannelOption.RX_ZERO_COPY, true)
                    .handler(new NettyPipeBenchmark.Sink(new ReceivedFrames()))
                    .bind(NetmapAddress.of(prefix + "b}0")).sync().channel());
            CpuAffinity.pin(txGroup, 0);
            CpuAffinity.pin(rxGroup, 1);
            Channel sender = new Bootstrap().group(txGroup).channel(NetmapChannel.class)
                    .handler(new NettyPipeBenchmark.BatchGenerator(Frames.template(64)))
                    .bind(NetmapAddress.of(prefix + "b{0")).sync().channel();
            channels.add(sender);
            sender.pipeline().fireUserEventTriggered(NettyPipeBenchmark.Start.INSTANCE);
        }
    }

    @Benchmark
    public int frameToAnIdlePort() throws Exception {
        NetmapPort sender = senders.get(next);
        next = next + 1 == senders.size() ? 0 : next + 1;
        int before = arrivals.count;
        arrivals.waiter = Thread.currentThread();
        NetmapRing tx = sender.txRing(0);
        tx.len(tx.head(), 64);
        tx.advance(tx.next(tx.head()));
        arrivals.sentAt = System.nanoTime();
        sender.txSync();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (arrivals.count == before) {
            LockSupport.parkNanos(this, 1_000_000);
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("a frame sent to an idle port was not read within 5 s");
            }
        }
        sender.txSync(); // reclaims the slot the receiver gave back
        return arrivals.count;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        System.out.println(arrivals.summary());
        for (Channel ch : channels) {
            ch.close();
        }
        for (Channel ch : channels) {
            ch.closeFuture().sync();
        }
        channels.clear();
        senders.forEach(NetmapPort::close);
        senders.clear();
        for (EventLoopGroup g : new EventLoopGroup[] {txGroup, rxGroup}) {
            if (g != null) {
                g.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        }
    }

    /** Counts frames read on the idle ports and wakes the waiting benchmark thread. */
    @ChannelHandler.Sharable
    static final class Arrivals extends ChannelInboundHandlerAdapter {
        /** The last delivery times, in ns; the loop thread writes, the trial's end reads. */
        private final long[] delivery = new long[1 << 20];
        volatile int count;
        volatile long sentAt;
        volatile Thread waiter;

        @Override
        @SuppressWarnings("NonAtomicOperationOnVolatileField") // one event loop writes it
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            delivery[count & (delivery.length - 1)] = System.nanoTime() - sentAt;
            count++;
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }

        /** Percentiles of the delivery times recorded (the latest, up to a million). */
        String summary() {
            int n = Math.min(count, delivery.length);
            if (n == 0) {
                return "delivery: no frame";
            }
            long[] sorted = Arrays.copyOf(delivery, n);
            Arrays.sort(sorted);
            return String.format("delivery (sent to read, %d frames): p50 %.1f us, p99 %.1f us, p99.9 %.1f us, "
                    + "max %.1f us", n, sorted[n / 2] / 1e3, sorted[(int) (n * 0.99)] / 1e3,
                    sorted[(int) (n * 0.999)] / 1e3, sorted[n - 1] / 1e3);
        }
    }
}
