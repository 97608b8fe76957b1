package io.netmap4j.microbench.netty;

import io.netmap4j.microbench.support.Frames;
import io.netmap4j.microbench.support.ReceivedFrames;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
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
import io.netty.channel.socket.DatagramPacket;
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
import java.util.concurrent.TimeUnit;

/**
 * What Netty offers without netmap for {@link NetworkFunctionBenchmark}'s reflector: a UDP echo
 * server on an epoll datagram channel (one {@code ctx.write(new DatagramPacket(...))} per datagram,
 * a flush per read, so sendmmsg per batch) and a client on another loop that sends as in
 * {@link EpollUdpBenchmark} and counts the echoes. UDP drops what a socket buffer cannot hold, so
 * only echoes received count; one operation is one echo received.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
public class EpollUdpEchoBenchmark {
    private static final int READ_BATCH = 32;

    @Param({"64", "1472"})
    public int payload;

    private EventLoopGroup clientGroup;
    private EventLoopGroup serverGroup;
    private Channel server;
    private Channel client;
    private final ReceivedFrames echoes = new ReceivedFrames();
    private long target;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Epoll.ensureAvailability();
        clientGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-udp-client", true),
                EpollIoHandler.newFactory());
        serverGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-udp-echo", true),
                EpollIoHandler.newFactory());
        server = new Bootstrap().group(serverGroup).channel(EpollDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, 4 << 20)
                .option(ChannelOption.SO_SNDBUF, 4 << 20)
                .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, payload)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(payload * READ_BATCH))
                .handler(new Echo())
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        client = new Bootstrap().group(clientGroup).channel(EpollDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, 4 << 20)
                .option(ChannelOption.SO_SNDBUF, 4 << 20)
                .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, payload)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(payload * READ_BATCH))
                .handler(new EpollUdpBenchmark.Generator(Frames.template(payload), true))
                .connect(server.localAddress(), new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        client.pipeline().addLast(new EpollUdpBenchmark.Sink(echoes));
        client.pipeline().fireUserEventTriggered(NettyPipeBenchmark.Start.INSTANCE);
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        target = echoes.received();
    }

    @Benchmark
    @OperationsPerInvocation(EpollUdpBenchmark.DATAGRAMS)
    public long echoesReceived() {
        target += EpollUdpBenchmark.DATAGRAMS;
        echoes.await(target);
        return target;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        client.close().sync();
        server.close().sync();
        clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** Netty's UDP echo: every datagram goes back to its sender, one write each, a flush per read. */
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            DatagramPacket packet = (DatagramPacket) msg;
            ctx.write(new DatagramPacket(packet.content(), packet.sender()), ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // ECONNREFUSED while the client starts or stops: keep echoing.
        }
    }
}
