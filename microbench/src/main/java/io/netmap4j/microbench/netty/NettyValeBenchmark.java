package io.netmap4j.microbench.netty;

import io.netmap4j.microbench.support.Frames;
import io.netmap4j.microbench.support.ReceivedFrames;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapIoHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
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

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link NettyPipeBenchmark} over a user-space VALE switch instead of a pipe: the generator
 * handler's channel is port {@code g} of a switch, the sink's port {@code s} of the same switch,
 * each on its own event loop; the switch learns the sink's MAC from one frame it sends first, so
 * the generator's frames are unicast copies into the sink's ring (what a full ring cannot take
 * is dropped, as netmap's switch does; the score counts frames received). {@code ports=3} adds an
 * idle third port. Run beside {@code NettyPipe} to compare within one run:
 *
 * <pre>
 * java -jar microbench/target/benchmarks.jar 'NettyPipe|NettyVale' -p frameSize=64 -p tx=batch -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
public class NettyValeBenchmark {
    static final int FRAMES = NettyPipeBenchmark.FRAMES;
    private static final AtomicInteger NEXT = new AtomicInteger();
    /** The MACs of the generator's and the sink's ports (locally administered, unicast). */
    private static final byte[] GENERATOR_MAC = {0x02, 0, 0, 0, 0, 0x0a};
    private static final byte[] SINK_MAC = {0x02, 0, 0, 0, 0, 0x0b};

    @Param({"64", "1514"})
    public int frameSize;

    @Param({"batch"})
    public String tx;

    @Param({"2"})
    public int ports;

    private EventLoopGroup txGroup;
    private EventLoopGroup rxGroup;
    private Channel sender;
    private Channel receiver;
    private Channel idle;
    private final ReceivedFrames frames = new ReceivedFrames();
    private NettyPipeBenchmark.Sink sink;
    private long target;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        txGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-tx", true),
                NetmapIoHandler.newFactory());
        rxGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-rx", true),
                NetmapIoHandler.newFactory());
        String sw = "valejmh" + ProcessHandle.current().pid() + "n" + NEXT.incrementAndGet();
        sink = new NettyPipeBenchmark.Sink(frames);
        receiver = new Bootstrap().group(rxGroup).channel(NetmapChannel.class)
                .option(NetmapChannelOption.BACKEND, "user")
                .option(NetmapChannelOption.RX_ZERO_COPY, true)
                .handler(sink)
                .bind(NetmapAddress.of(sw + ":s")).sync().channel();
        if (ports > 2) {
            idle = new Bootstrap().group(rxGroup).channel(NetmapChannel.class)
                    .option(NetmapChannelOption.BACKEND, "user")
                    .handler(new io.netty.channel.ChannelInboundHandlerAdapter())
                    .bind(NetmapAddress.of(sw + ":idle")).sync().channel();
        }
        // the sink says who it is: from now on the switch sends frames for SINK_MAC to it alone
        ByteBuf hello = receiver.alloc().directBuffer(60);
        hello.writeBytes(new byte[] {-1, -1, -1, -1, -1, -1}).writeBytes(SINK_MAC).writeZero(48);
        receiver.writeAndFlush(hello).sync();
        byte[] template = Frames.template(frameSize);
        System.arraycopy(SINK_MAC, 0, template, 0, 6);
        System.arraycopy(GENERATOR_MAC, 0, template, 6, 6);
        io.netty.channel.ChannelInboundHandlerAdapter generator = switch (tx) {
            case "batch" -> new NettyPipeBenchmark.BatchGenerator(template);
            case "writes" -> new NettyPipeBenchmark.WriteGenerator(template);
            default -> throw new IllegalArgumentException("tx must be batch or writes, not " + tx);
        };
        sender = new Bootstrap().group(txGroup).channel(NetmapChannel.class)
                .option(NetmapChannelOption.BACKEND, "user")
                .handler(generator)
                .bind(NetmapAddress.of(sw + ":g")).sync().channel();
        sender.pipeline().fireUserEventTriggered(NettyPipeBenchmark.Start.INSTANCE);
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        target = frames.received();
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long framesReceived() {
        target += FRAMES;
        frames.await(target);
        return target;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        sender.close().sync();
        receiver.close().sync();
        if (idle != null) {
            idle.close().sync();
        }
        txGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        rxGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        if (sink.checksum == 42) {
            System.out.print(""); // keep the sink's reads alive
        }
    }
}
