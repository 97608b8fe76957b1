package io.netmap4j.microbench.netty;

import io.netmap4j.microbench.support.Frames;
import io.netmap4j.microbench.support.ReceivedFrames;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
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
 * What Netty offers without netmap, for comparison with {@link NettyPipeBenchmark}: UDP over
 * loopback between two epoll datagram channels on two event loops. The sender is connected and
 * writes one pooled ByteBuf per datagram with a flush per {@link NettyPipeBenchmark#WRITE_BATCH}
 * (Netty sends a flush of several datagrams with sendmmsg); the receiver reads with recvmmsg
 * ({@code MAX_DATAGRAM_PAYLOAD_SIZE}) and counts. UDP drops what the receiver's socket buffer
 * cannot hold, so only datagrams received are counted; one operation is one datagram received.
 * Payloads of 64 B and 1472 B (a 1514-byte Ethernet frame).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
public class EpollUdpBenchmark {
    /** Datagrams per recvmmsg. */
    private static final int READ_BATCH = 32;
    /** Fewer per invocation than netmap: loopback UDP is an order of magnitude slower. */
    static final int DATAGRAMS = 1 << 15;

    @Param({"64", "1472"})
    public int payload;

    private EventLoopGroup txGroup;
    private EventLoopGroup rxGroup;
    private Channel sender;
    private Channel receiver;
    private final ReceivedFrames datagrams = new ReceivedFrames();
    private long target;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Epoll.ensureAvailability();
        txGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-udp-tx", true),
                EpollIoHandler.newFactory());
        rxGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-udp-rx", true),
                EpollIoHandler.newFactory());
        receiver = new Bootstrap().group(rxGroup).channel(EpollDatagramChannel.class)
                .option(ChannelOption.SO_RCVBUF, 4 << 20)
                .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, payload)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(payload * READ_BATCH))
                .handler(new Sink(datagrams))
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        sender = new Bootstrap().group(txGroup).channel(EpollDatagramChannel.class)
                .option(ChannelOption.SO_SNDBUF, 4 << 20)
                .handler(new Generator(Frames.template(payload)))
                .connect(receiver.localAddress(), new InetSocketAddress("127.0.0.1", 0)).sync().channel();
        sender.pipeline().fireUserEventTriggered(NettyPipeBenchmark.Start.INSTANCE);
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        target = datagrams.received();
    }

    @Benchmark
    @OperationsPerInvocation(DATAGRAMS)
    public long datagramsReceived() {
        target += DATAGRAMS;
        datagrams.await(target);
        return target;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        sender.close().sync();
        receiver.close().sync();
        txGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        rxGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** Counts datagrams; reads the sequence field of each, as the netmap sink does. */
    static final class Sink extends ChannelInboundHandlerAdapter {
        private final ReceivedFrames datagrams;
        private long count;
        long checksum;

        Sink(ReceivedFrames datagrams) {
            this.datagrams = datagrams;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            DatagramPacket packet = (DatagramPacket) msg;
            ByteBuf buf = packet.content();
            if (buf.readableBytes() >= Frames.SEQUENCE_OFFSET + 8) {
                checksum += buf.getLong(buf.readerIndex() + Frames.SEQUENCE_OFFSET);
            }
            packet.release();
            count++;
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            datagrams.add(count);
            count = 0;
        }
    }

    /** Writes batches of datagrams while the channel is writable; each batch yields to the loop. */
    static final class Generator extends ChannelInboundHandlerAdapter {
        private final byte[] template;
        private final boolean yieldToIo;
        private final Runnable pump = this::pump;
        private ChannelHandlerContext ctx;
        private ChannelPromise voidPromise;
        private boolean parked;
        private long seq;

        Generator(byte[] template) {
            this(template, false);
        }

        /**
         * @param yieldToIo let the loop read between batches (when the channel also receives): a
         *                  task that re-submits itself would keep the loop in its task queue for a
         *                  whole task quantum (1 s) before it looks at I/O again
         */
        Generator(byte[] template, boolean yieldToIo) {
            this.template = template;
            this.yieldToIo = yieldToIo;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == NettyPipeBenchmark.Start.INSTANCE) {
                this.ctx = ctx;
                this.voidPromise = ctx.voidPromise();
                pump();
            }
        }

        private void pump() {
            Channel ch = ctx.channel();
            if (!ch.isActive()) {
                return;
            }
            if (!ch.isWritable()) {
                parked = true;
                return;
            }
            int size = template.length;
            for (int i = 0; i < NettyPipeBenchmark.WRITE_BATCH; i++) {
                ByteBuf buf = ctx.alloc().directBuffer(size, size);
                buf.writeBytes(template);
                if (size >= Frames.SEQUENCE_OFFSET + 8) {
                    buf.setLong(Frames.SEQUENCE_OFFSET, seq++);
                }
                ctx.write(buf, voidPromise);
            }
            ctx.flush();
            if (yieldToIo) {
                ctx.executor().schedule(pump, 0, TimeUnit.NANOSECONDS);
            } else {
                ctx.executor().execute(pump);
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (parked && ctx.channel().isWritable()) {
                parked = false;
                pump();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // ECONNREFUSED and the like while the receiver starts or stops: keep sending.
        }
    }
}
