package io.netmap4j.microbench.scale;

import io.netmap4j.microbench.netty.EpollUdpBenchmark;
import io.netmap4j.microbench.netty.NettyPipeBenchmark;
import io.netmap4j.microbench.support.CpuAffinity;
import io.netmap4j.microbench.support.Frames;
import io.netmap4j.microbench.support.ReceivedFrames;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapIoHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What idle ports on an event loop cost a busy one: one busy flow into a receiving loop that also
 * holds {@link #idle} ports nobody sends to. One operation is one frame received on the busy
 * port, so the score is its frames/s; compare each row with {@code idle = 0} of the same
 * transport in the same run.
 *
 * <ul>
 *   <li>{@code netmap}: a user-space pipe, {@link NettyPipeBenchmark}'s batch generator on one
 *       loop, its zero-copy sink on the receiving loop; each idle port is one end of a pipe of its
 *       own (64 slots, its own parent name, so its own region), bound on the receiving loop with
 *       AUTO_READ on, and the other end bound on a third loop that never sends.</li>
 *   <li>{@code vale}: ports of user-space VALE switches, the same generator and sink over two
 *       ports of a switch of their own (frames cross it by copy); each idle port a port of 64
 *       slots on one of the switches that hold the idle ports ({@link #VALE_PORTS_PER_SWITCH}
 *       each), bound on the receiving loop. A VALE port needs no peer: nobody else opens
 *       those switches.</li>
 *   <li>{@code epoll}: the reference a Netty user knows, Netty's epoll transport:
 *       {@link EpollUdpBenchmark}'s UDP flow over loopback, and each idle port an
 *       {@link EpollDatagramChannel} bound on the receiving loop.</li>
 * </ul>
 * The sending loop is pinned to CPU 0 and the receiving loop to CPU 1 (see {@link CpuAffinity}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
public class IdlePortsBenchmark {
    private static final AtomicInteger NEXT = new AtomicInteger();
    /**
     * Frames received per invocation, the same for both transports so that the score is frames/s
     * for both (loopback UDP is about 50 times slower, so not more).
     */
    static final int FRAMES = 1 << 15;
    /** Slots of each idle pipe (the busy one has the default 1024). */
    static final int IDLE_SLOTS = 64;
    /** Idle VALE ports per switch (a switch has at most 254). */
    static final int VALE_PORTS_PER_SWITCH = 250;

    @Param({"netmap", "vale", "epoll"})
    public String transport;

    @Param({"0", "10", "100", "1000", "4000"})
    public int idle;

    private EventLoopGroup txGroup;
    private EventLoopGroup rxGroup;
    private EventLoopGroup idleGroup;
    private final List<Channel> channels = new ArrayList<>();
    private final ReceivedFrames frames = new ReceivedFrames();
    private long target;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        switch (transport) {
            case "netmap" -> setUpNetmap();
            case "vale" -> setUpVale();
            case "epoll" -> setUpEpoll();
            default -> throw new IllegalArgumentException("transport must be netmap, vale or epoll, not " + transport);
        }
    }

    private void setUpNetmap() throws Exception {
        txGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-tx", true),
                NetmapIoHandler.newFactory());
        rxGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-rx", true),
                NetmapIoHandler.newFactory());
        idleGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-idle", true),
                NetmapIoHandler.newFactory());
        pinLoops();
        String prefix = "netmap:jmh" + ProcessHandle.current().pid() + "s" + NEXT.incrementAndGet();
        bindIdle(idle, k -> {
            String pipe = prefix + "i" + k;
            ChannelFuture near = new Bootstrap().group(rxGroup).channel(NetmapChannel.class)
                    .handler(Discard.INSTANCE)
                    .bind(NetmapAddress.of(pipe + "}0@conf:slots=" + IDLE_SLOTS));
            ChannelFuture far = new Bootstrap().group(idleGroup).channel(NetmapChannel.class)
                    .handler(Discard.INSTANCE)
                    .bind(NetmapAddress.of(pipe + "{0@conf:slots=" + IDLE_SLOTS));
            return new ChannelFuture[] {near, far};
        });
        Channel receiver = new Bootstrap().group(rxGroup).channel(NetmapChannel.class)
                .option(NetmapChannelOption.RX_ZERO_COPY, true)
                .handler(new NettyPipeBenchmark.Sink(frames))
                .bind(NetmapAddress.of(prefix + "b}0")).sync().channel();
        channels.add(receiver);
        Channel sender = new Bootstrap().group(txGroup).channel(NetmapChannel.class)
                .handler(new NettyPipeBenchmark.BatchGenerator(Frames.template(64)))
                .bind(NetmapAddress.of(prefix + "b{0")).sync().channel();
        channels.add(sender);
        sender.pipeline().fireUserEventTriggered(NettyPipeBenchmark.Start.INSTANCE);
    }

    private void setUpVale() throws Exception {
        txGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-tx", true),
                NetmapIoHandler.newFactory());
        rxGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-rx", true),
                NetmapIoHandler.newFactory());
        pinLoops();
        String prefix = "valejmh" + ProcessHandle.current().pid() + "s" + NEXT.incrementAndGet();
        bindIdle(idle, k -> new ChannelFuture[] {new Bootstrap().group(rxGroup).channel(NetmapChannel.class)
                .handler(Discard.INSTANCE)
                .bind(NetmapAddress.of(prefix + "i" + k / VALE_PORTS_PER_SWITCH + ":p" + k % VALE_PORTS_PER_SWITCH
                        + "@conf:slots=" + IDLE_SLOTS))});
        Channel receiver = new Bootstrap().group(rxGroup).channel(NetmapChannel.class)
                .option(NetmapChannelOption.RX_ZERO_COPY, true)
                .handler(new NettyPipeBenchmark.Sink(frames))
                .bind(NetmapAddress.of(prefix + "b:rx")).sync().channel();
        channels.add(receiver);
        Channel sender = new Bootstrap().group(txGroup).channel(NetmapChannel.class)
                .handler(new NettyPipeBenchmark.BatchGenerator(Frames.template(64)))
                .bind(NetmapAddress.of(prefix + "b:tx")).sync().channel();
        channels.add(sender);
        sender.pipeline().fireUserEventTriggered(NettyPipeBenchmark.Start.INSTANCE);
    }

    private void setUpEpoll() throws Exception {
        Epoll.ensureAvailability();
        txGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-udp-tx", true),
                EpollIoHandler.newFactory());
        rxGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-udp-rx", true),
                EpollIoHandler.newFactory());
        pinLoops();
        InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
        bindIdle(idle, k -> new ChannelFuture[] {new Bootstrap().group(rxGroup).channel(EpollDatagramChannel.class)
                .handler(Discard.INSTANCE).bind(any)});
        int payload = 64;
        Channel receiver = new Bootstrap().group(rxGroup).channel(EpollDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, 4 << 20)
                .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, payload)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(payload * 32))
                .handler(new EpollUdpBenchmark.Sink(frames))
                .bind(any).sync().channel();
        channels.add(receiver);
        Channel sender = new Bootstrap().group(txGroup).channel(EpollDatagramChannel.class)
                .option(ChannelOption.SO_SNDBUF, 4 << 20)
                .handler(new EpollUdpBenchmark.Generator(Frames.template(payload)))
                .connect(receiver.localAddress(), any).sync().channel();
        channels.add(sender);
        sender.pipeline().fireUserEventTriggered(NettyPipeBenchmark.Start.INSTANCE);
    }

    /** The sender on CPU 0, the receiver on CPU 1: the same placement for every row. */
    private void pinLoops() throws Exception {
        CpuAffinity.pin(txGroup, 0);
        CpuAffinity.pin(rxGroup, 1);
    }

    /** Binds the idle ports, a few hundred binds in flight at a time. */
    private void bindIdle(int count, IdleBinder binder) throws Exception {
        List<ChannelFuture> pending = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            for (ChannelFuture f : binder.bind(k)) {
                pending.add(f);
            }
            if (pending.size() >= 256 || k == count - 1) {
                for (ChannelFuture f : pending) {
                    channels.add(f.sync().channel());
                }
                pending.clear();
            }
        }
    }

    @FunctionalInterface
    private interface IdleBinder {
        ChannelFuture[] bind(int k) throws Exception;
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        target = frames.received();
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long busyPortFrames() {
        target += FRAMES;
        frames.await(target);
        return target;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        for (int i = channels.size() - 1; i >= 0; i--) {
            channels.get(i).close();
        }
        for (Channel ch : channels) {
            ch.closeFuture().sync();
        }
        channels.clear();
        for (EventLoopGroup g : new EventLoopGroup[] {txGroup, rxGroup, idleGroup}) {
            if (g != null) {
                g.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            }
        }
    }

    /** What an idle port does with a frame, should one come: drop it. */
    @ChannelHandler.Sharable
    static final class Discard extends ChannelInboundHandlerAdapter {
        static final Discard INSTANCE = new Discard();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }
}
