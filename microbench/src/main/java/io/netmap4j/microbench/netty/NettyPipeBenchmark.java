package io.netmap4j.microbench.netty;

import io.netmap4j.microbench.support.Frames;
import io.netmap4j.microbench.support.ReceivedFrames;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapIoHandler;
import io.netmap4j.netty.NetmapTxBatch;
import io.netmap4j.netty.NetmapTxSlots;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
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

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * Frames per second through two Netty pipelines over a user-space netmap pipe: a generator
 * handler on one event loop sends into one end, a sink handler on another loop counts what comes
 * out of the other end (zero-copy RX: it reads each frame's sequence number and releases it).
 * One operation is one frame received, so the score is frames/s and {@code gc.alloc.rate.norm}
 * is bytes per frame, allocated by all threads.
 *
 * <p>Two ways to send: {@code writes}, one pooled ByteBuf and one {@code ctx.write(buf,
 * voidPromise)} per frame with a flush per {@link #WRITE_BATCH} frames, paced by writability; and
 * {@code batch}, one endless {@link NetmapTxBatch} that copies the frame into the free TX slots.
 * Compare with {@link RawPipeBenchmark} (the same pipe without Netty) and
 * {@link EpollUdpBenchmark} (Netty's epoll transport over loopback UDP).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
public class NettyPipeBenchmark {
    /** Frames received per benchmark invocation (one JMH operation each). */
    static final int FRAMES = 1 << 17;
    static final int WRITE_BATCH = 256;
    private static final AtomicInteger NEXT_PIPE = new AtomicInteger();
    private static final ValueLayout.OfLong SEQUENCE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    @Param({"64", "1514"})
    public int frameSize;

    @Param({"batch", "writes"})
    public String tx;

    private EventLoopGroup txGroup;
    private EventLoopGroup rxGroup;
    private Channel sender;
    private Channel receiver;
    private final ReceivedFrames frames = new ReceivedFrames();
    private Sink sink;
    private long target;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        txGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-tx", true),
                NetmapIoHandler.newFactory());
        rxGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-rx", true),
                NetmapIoHandler.newFactory());
        String pipe = "netmap:jmh" + ProcessHandle.current().pid() + "p" + NEXT_PIPE.incrementAndGet();
        sink = new Sink(frames);
        receiver = new Bootstrap().group(rxGroup).channel(NetmapChannel.class)
                .option(NetmapChannelOption.RX_ZERO_COPY, true)
                .handler(sink)
                .bind(NetmapAddress.of(pipe + "}0")).sync().channel();
        byte[] template = Frames.template(frameSize);
        ChannelInboundHandlerAdapter generator = switch (tx) {
            case "batch" -> new BatchGenerator(template);
            case "writes" -> new WriteGenerator(template);
            default -> throw new IllegalArgumentException("tx must be batch or writes, not " + tx);
        };
        sender = new Bootstrap().group(txGroup).channel(NetmapChannel.class)
                .handler(generator)
                .bind(NetmapAddress.of(pipe + "{0")).sync().channel();
        sender.pipeline().fireUserEventTriggered(Start.INSTANCE);
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
        txGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        rxGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        if (sink.checksum == 42) {
            System.out.print(""); // keep the sink's reads alive
        }
    }

    public enum Start { INSTANCE }

    /** Counts frames and reads each one's sequence number, as a real consumer touches its data. */
    static final class Sink extends ChannelInboundHandlerAdapter {
        private final ReceivedFrames frames;
        private long count;
        long checksum;

        Sink(ReceivedFrames frames) {
            this.frames = frames;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            checksum += buf.getLong(buf.readerIndex() + Frames.SEQUENCE_OFFSET);
            buf.release();
            count++;
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            frames.add(count);
            count = 0;
        }
    }

    /** One NetmapTxBatch that never ends: every fill copies the frame into all the free slots. */
    static final class BatchGenerator extends ChannelInboundHandlerAdapter implements NetmapTxBatch {
        private final byte[] template;
        private long seq;

        BatchGenerator(byte[] template) {
            this.template = template;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == Start.INSTANCE) {
                ctx.writeAndFlush(this, ctx.voidPromise());
            }
        }

        @Override
        public boolean fill(NetmapTxSlots slots) {
            MemorySegment region = slots.region();
            int size = template.length;
            long s = seq;
            for (int n = slots.remaining(); n > 0; n--) {
                long off = slots.bufferOffset();
                MemorySegment.copy(template, 0, region, JAVA_BYTE, off, size);
                region.set(SEQUENCE, off + Frames.SEQUENCE_OFFSET, s++);
                slots.commit(size);
            }
            seq = s;
            return false;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // The endless batch fails with ClosedChannelException when the trial closes the channel.
        }
    }

    /**
     * Plain Netty sending: a pooled direct ByteBuf per frame, {@code ctx.write(buf, voidPromise)},
     * a flush per {@link #WRITE_BATCH} frames, then the loop runs its I/O before the next batch;
     * stops while the channel is unwritable.
     */
    public static final class WriteGenerator extends ChannelInboundHandlerAdapter {
        private final byte[] template;
        private ChannelHandlerContext ctx;
        private ChannelPromise voidPromise;
        private final Runnable pump = this::pump;
        private boolean parked;
        private long seq;

        public WriteGenerator(byte[] template) {
            this.template = template;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == Start.INSTANCE) {
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
            for (int i = 0; i < WRITE_BATCH; i++) {
                ByteBuf buf = ctx.alloc().directBuffer(size, size);
                buf.writeBytes(template);
                buf.setLong(Frames.SEQUENCE_OFFSET, seq++);
                ctx.write(buf, voidPromise);
            }
            ctx.flush();
            ctx.executor().execute(pump);
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
            // Writes pending when the trial closes the channel fail; nothing to report.
        }
    }
}
