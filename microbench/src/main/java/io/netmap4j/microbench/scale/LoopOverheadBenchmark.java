package io.netmap4j.microbench.scale;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.microbench.netty.EpollUdpBenchmark;
import io.netmap4j.microbench.netty.NettyPipeBenchmark;
import io.netmap4j.microbench.support.Frames;
import io.netmap4j.microbench.support.ReceivedFrames;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapIoHandler;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.ManualIoEventLoop;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.Future;
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
 * What idle ports cost the loop that holds them, on one thread: the benchmark thread owns a
 * {@link ManualIoEventLoop} that holds a busy port and {@link #idle} idle ones, and in each
 * operation sends a batch into the busy port itself and runs one loop iteration, which reads the
 * batch through the Netty pipeline. The score is frames/s of the busy port; compare each row with
 * {@code idle = 0} of its transport. Unlike {@link IdlePortsBenchmark} nothing here depends on
 * how the scheduler places two loops on the cores, so the ratios hold on a busy machine too.
 *
 * <ul>
 *   <li>{@code netmap}: a pipe; this thread fills {@link #BATCH} slots of its sending end
 *       (raw, no payload written) and txsyncs; the receiving end is a zero-copy
 *       {@link NetmapChannel} with {@link NettyPipeBenchmark}'s sink. Each idle port is an end of
 *       a 64-slot pipe of its own (its other end held open, raw).</li>
 *   <li>{@code epoll}: Netty's epoll transport: {@link EpollUdpBenchmark}'s UDP pair over loopback,
 *       both channels on the loop, {@link #BATCH} datagrams written and flushed (sendmmsg)
 *       per operation; each idle port an {@link EpollDatagramChannel}.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class LoopOverheadBenchmark {
    /** Frames per operation, the same for both transports. */
    static final int BATCH = 64;
    private static final AtomicInteger NEXT = new AtomicInteger();

    @Param({"netmap", "epoll"})
    public String transport;

    @Param({"0", "10", "100", "1000", "4000"})
    public int idle;

    private ManualIoEventLoop loop;
    private final List<Channel> channels = new ArrayList<>();
    private final List<NetmapPort> rawEnds = new ArrayList<>();
    private final ReceivedFrames frames = new ReceivedFrames();
    private NetmapPort producer;
    private Channel udpSender;
    private byte[] datagram;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        switch (transport) {
            case "netmap" -> setUpNetmap();
            case "epoll" -> setUpEpoll();
            default -> throw new IllegalArgumentException("transport must be netmap or epoll, not " + transport);
        }
    }

    private void setUpNetmap() throws Exception {
        loop = new ManualIoEventLoop(Thread.currentThread(), NetmapIoHandler.newFactory());
        String prefix = "netmap:jmh" + ProcessHandle.current().pid() + "o" + NEXT.incrementAndGet();
        for (int k = 0; k < idle; k++) {
            String pipe = prefix + "i" + k;
            String slots = "@conf:slots=" + IdlePortsBenchmark.IDLE_SLOTS;
            rawEnds.add(UserBackend.INSTANCE.open(PortSpec.parse(pipe + "{0" + slots)));
            channels.add(bind(new Bootstrap().group(loop).channel(NetmapChannel.class)
                    .handler(IdlePortsBenchmark.Discard.INSTANCE).bind(NetmapAddress.of(pipe + "}0" + slots))));
        }
        channels.add(bind(new Bootstrap().group(loop).channel(NetmapChannel.class)
                .option(NetmapChannelOption.RX_ZERO_COPY, true)
                .handler(new NettyPipeBenchmark.Sink(frames))
                .bind(NetmapAddress.of(prefix + "b}0"))));
        producer = UserBackend.INSTANCE.open(PortSpec.parse(prefix + "b{0"));
        rawEnds.add(producer);
        NetmapRing tx = producer.txRing(0);
        for (int i = 0; i < tx.numSlots(); i++) {
            tx.len(i, 64);
        }
        settle();
    }

    private void setUpEpoll() throws Exception {
        Epoll.ensureAvailability();
        loop = new ManualIoEventLoop(Thread.currentThread(), EpollIoHandler.newFactory());
        InetSocketAddress any = new InetSocketAddress("127.0.0.1", 0);
        for (int k = 0; k < idle; k++) {
            channels.add(bind(new Bootstrap().group(loop).channel(EpollDatagramChannel.class)
                    .handler(IdlePortsBenchmark.Discard.INSTANCE).bind(any)));
        }
        Channel receiver = bind(new Bootstrap().group(loop).channel(EpollDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, 4 << 20)
                .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 64)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(64 * BATCH))
                .handler(new EpollUdpBenchmark.Sink(frames))
                .bind(any));
        channels.add(receiver);
        udpSender = bind(new Bootstrap().group(loop).channel(EpollDatagramChannel.class)
                .option(ChannelOption.SO_SNDBUF, 4 << 20)
                .handler(IdlePortsBenchmark.Discard.INSTANCE)
                .connect(receiver.localAddress(), any));
        channels.add(udpSender);
        datagram = Frames.template(64);
        settle();
    }

    /** Runs the loop until {@code f} is done; this thread owns the loop. */
    private Channel bind(ChannelFuture f) throws Exception {
        while (!f.isDone()) {
            loop.runNow();
        }
        return f.sync().channel();
    }

    /** A few iterations with nothing to do: the idle ports are armed (or the epoll set settled). */
    private void settle() {
        for (int i = 0; i < 10; i++) {
            loop.runNow();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long busyPortBatch() throws Exception {
        long target = frames.received() + BATCH;
        if (producer != null) {
            NetmapRing tx = producer.txRing(0);
            tx.advance(tx.advanceBy(tx.head(), BATCH));
            producer.txSync();
        } else {
            for (int i = 0; i < BATCH; i++) {
                ByteBuf buf = udpSender.alloc().directBuffer(64, 64);
                buf.writeBytes(datagram);
                udpSender.write(buf, udpSender.voidPromise());
            }
            udpSender.flush();
        }
        // one iteration reads the batch; loopback UDP may drop, so give up on the rest after a while
        for (int spins = 0; frames.received() < target && spins < 1000; spins++) {
            loop.runNow();
        }
        return target;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        for (Channel ch : channels) {
            ch.close();
        }
        Future<?> done = loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        while (!done.isDone()) {
            loop.runNow();
        }
        rawEnds.forEach(NetmapPort::close);
    }
}
