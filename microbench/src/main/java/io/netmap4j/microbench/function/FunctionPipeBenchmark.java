package io.netmap4j.microbench.function;

import io.netmap4j.handler.filter.FilterHandler;
import io.netmap4j.handler.filter.RuleTable;
import io.netmap4j.handler.lb.LoadBalancerHandler;
import io.netmap4j.handler.pcap.PcapCaptureHandler;
import io.netmap4j.handler.pcap.PcapWriter;
import io.netmap4j.handler.pcap.TimestampPrecision;
import io.netmap4j.microbench.support.FunctionFrames;
import io.netmap4j.microbench.support.ReceivedFrames;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.handler.FrameForwarder;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapIoHandler;
import io.netmap4j.netty.NetmapRxBatch;
import io.netmap4j.netty.NetmapTxBatch;
import io.netmap4j.netty.NetmapTxSlots;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.openjdk.jmh.annotations.AuxCounters;
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
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * A network function end to end over user-space pipes: a generator ({@link NetmapTxBatch}, 1024
 * distinct 64-byte frames) on one event loop feeds pipe {@code P{0}; the function runs alone on a
 * second event loop (one core) reading {@code P}0} with zero-copy RX; sinks on the generator's
 * loop count what comes out (whole batches, so that the edge stays light); the function's outputs
 * only send. One operation is one frame out of the
 * function, so the score is the function's frames/s and {@code gc.alloc.rate.norm} the bytes
 * allocated per frame by all threads.
 *
 * <ul>
 *   <li>{@code none}: no function, the input counts what it receives (the baseline for {@code cores=1});</li>
 *   <li>{@code forward}: the floor under every function, {@link FrameForwarder} alone from {@code P}0}
 *       to {@code P{1} (frames moved by buffer index, never read, so RX read-ahead is off);</li>
 *   <li>{@code filter}: the 100-rule {@link FilterHandler} (every frame allowed by the last rule),
 *       then {@link FrameForwarder} to {@code P{1} (frames move by buffer index since both pipes
 *       share the parent's buffers);</li>
 *   <li>{@code lb}: {@link LoadBalancerHandler} to 4 pipes {@code P{1..4}, 4 sinks;</li>
 *   <li>{@code capture}: {@link PcapCaptureHandler} writing every frame to /dev/shm, the file
 *       reused from its start every 256 MiB.</li>
 * </ul>
 * Each runs with the input delivering one message per frame ({@code rx=frame}) and one
 * {@code NetmapRxBatch} per read ({@code rx=batch}, {@code RX_BATCH}).
 * On a 2-core machine the generator and sinks share the other core, so the generator can be the
 * limit; compare with {@code NettyPipeBenchmark} (generator to sink, no function) in the same run.
 * The secondary results {@code functionCpuShare} and {@code functionCoreRate} say, from the function
 * thread's CPU clock, how busy its core was and what rate that core gives when busy; since an event
 * loop spins for a while before it sleeps, a function that waits for frames looks busy too, so
 * {@code cores=1} (everything on one loop) gives the function's own CPU cost per frame: the
 * difference between the inverse of its rate and of {@code none}'s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
public class FunctionPipeBenchmark {
    static final int FRAMES = 1 << 17;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final AtomicInteger NEXT_PIPE = new AtomicInteger();

    @Param({"forward", "filter", "lb", "capture"})
    public String function;

    /**
     * How the function's input delivers frames: {@code frame}, one message per frame (any
     * handler's way); {@code batch}, one {@code NetmapRxBatch} per read ({@code RX_BATCH}).
     */
    @Param({"frame", "batch"})
    public String rx;

    /**
     * {@code 2}: the function on an event loop of its own (one core), generator and sinks on the
     * other. {@code 1}: everything on one loop, so that a function's CPU cost per frame is the
     * difference between its rate and {@code none}'s, free of how fast the other core feeds it.
     */
    @Param({"2"})
    public String cores;

    private EventLoopGroup edgeGroup;
    private EventLoopGroup functionGroup;
    private final List<Channel> channels = new ArrayList<>();
    private final ReceivedFrames frames = new ReceivedFrames();
    private final ReadSizes reads = new ReadSizes();
    private Path captureFile;
    private long target;
    private long functionThread;
    private long iterationFrames;
    private long iterationCpuNanos;
    private long iterationWallNanos;
    private long iterationReads;
    private long iterationReadFrames;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        edgeGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-edge", true), NetmapIoHandler.newFactory());
        functionGroup = switch (cores) {
            case "2" -> new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-function", true),
                    NetmapIoHandler.newFactory());
            case "1" -> edgeGroup;
            default -> throw new IllegalArgumentException("cores must be 1 or 2, not " + cores);
        };
        String p = "netmap:nf" + ProcessHandle.current().pid() + "p" + NEXT_PIPE.incrementAndGet();
        Channel in = bind(functionGroup, p + "}0", reads);
        in.config().setOption(NetmapChannelOption.RX_BATCH, switch (rx) {
            case "frame" -> false;
            case "batch" -> true;
            default -> throw new IllegalArgumentException("rx must be frame or batch, not " + rx);
        });
        switch (function) {
            case "none" -> in.eventLoop().submit(() -> in.pipeline().addLast(new Sink(frames))).sync();
            case "forward" -> {
                Channel out = output(p + "{1");
                bind(edgeGroup, p + "}1", new Sink(frames));
                in.config().setOption(NetmapChannelOption.RX_READ_AHEAD, false); // the forwarder never reads frames
                in.eventLoop().submit(() -> in.pipeline().addLast(new FrameForwarder(out))).sync();
            }
            case "filter" -> {
                Channel out = output(p + "{1");
                bind(edgeGroup, p + "}1", new Sink(frames));
                RuleTable table = RuleTable.parse(FunctionFrames.rules100(), "100 rules");
                in.eventLoop().submit(() -> in.pipeline().addLast(new FilterHandler(table), new FrameForwarder(out))).sync();
            }
            case "lb" -> {
                Channel[] outs = new Channel[4];
                for (int i = 0; i < 4; i++) {
                    outs[i] = output(p + "{" + (i + 1));
                    bind(edgeGroup, p + "}" + (i + 1), new Sink(frames));
                }
                in.eventLoop().submit(() -> in.pipeline().addLast(new LoadBalancerHandler(outs, 0))).sync();
            }
            case "capture" -> {
                captureFile = Files.createTempFile(Path.of("/dev/shm"), "netmap4j-bench-", ".pcap");
                PcapWriter w = new PcapWriter(new FunctionCostBenchmark.WrappingFile(captureFile, 256 << 20),
                        captureFile.toString(), 262144, TimestampPrecision.MICROS, PcapWriter.DEFAULT_BUFFER);
                in.eventLoop().submit(() -> in.pipeline().addLast(new PcapCaptureHandler(w), new Sink(frames))).sync();
            }
            default -> throw new IllegalArgumentException("function must be none, forward, filter, lb or capture, not "
                    + function);
        }
        functionThread = functionGroup.submit(() -> Thread.currentThread().threadId()).get();
        Generator g = new Generator(FunctionFrames.frames());
        Channel gen = bind(edgeGroup, p + "{0", g);
        gen.eventLoop().execute(() -> gen.writeAndFlush(g, gen.voidPromise()));
    }

    /**
     * An output of the function: it only sends, so it does not read (AUTO_READ off), and the
     * function's loop does not poll its empty RX ring on every turn.
     */
    private Channel output(String port) throws InterruptedException {
        Channel ch = bind(functionGroup, port, new ChannelInboundHandlerAdapter());
        ch.config().setAutoRead(false);
        return ch;
    }

    private Channel bind(EventLoopGroup group, String port, ChannelHandler handler) throws InterruptedException {
        Channel ch = new Bootstrap().group(group).channel(NetmapChannel.class)
                .option(NetmapChannelOption.RX_ZERO_COPY, true)
                .option(NetmapChannelOption.RX_READ_AHEAD, !(handler instanceof Sink)) // sinks never read frames
                .option(NetmapChannelOption.RX_BATCH, handler instanceof Sink) // and count whole batches: a light edge
                .handler(handler).bind(NetmapAddress.of(port)).sync().channel();
        channels.add(ch);
        return ch;
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        target = frames.received();
        iterationFrames = target;
        iterationCpuNanos = THREADS.getThreadCpuTime(functionThread);
        iterationWallNanos = System.nanoTime();
        iterationReads = reads.reads;
        iterationReadFrames = reads.frames;
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long framesThroughTheFunction(FunctionCore core) {
        target += FRAMES;
        frames.await(target);
        // JMH divides these by the iteration's time, which is this wall time: hence the scaling.
        double cpu = THREADS.getThreadCpuTime(functionThread) - iterationCpuNanos;
        double wall = System.nanoTime() - iterationWallNanos;
        core.functionCoreRate = (frames.received() - iterationFrames) * (wall / cpu);
        core.functionCpuShare = cpu / 1e9;
        long n = reads.reads - iterationReads;
        core.framesPerRead = n == 0 ? 0 : (double) (reads.frames - iterationReadFrames) / n * (wall / 1e9);
        return target;
    }

    /**
     * The function's core, over each iteration, from its thread's CPU clock: on a machine where
     * the generator and sinks cannot keep one core busy with the function (two cores, one of them
     * theirs), the end-to-end rate is theirs as much as the function's, and this says what the
     * function's core would do on its own.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class FunctionCore {
        /** Frames per second of the function thread's CPU time: the rate of one core busy with the function alone. */
        public double functionCoreRate;
        /** Share of the wall time the function thread ran (1 = its core was saturated; a loop spins briefly before it sleeps). */
        public double functionCpuShare;
        /**
         * Frames the function's input delivered per read, up to MAX_MESSAGES_PER_READ (256): near
         * 256, the function is the bottleneck and frames wait for it; far below, it keeps up with
         * what arrives and spends the rest of its core looking for more (the loop spins, so the
         * CPU share stays near 1 either way).
         */
        public double framesPerRead;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        for (int i = channels.size() - 1; i >= 0; i--) {
            channels.get(i).close().sync();
        }
        edgeGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        if (functionGroup != edgeGroup) {
            functionGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        if (captureFile != null) {
            Files.deleteIfExists(captureFile);
        }
    }

    /**
     * First on the function's input: counts reads and the frames they delivered (published once
     * per read, for the benchmark thread to read between iterations).
     */
    static final class ReadSizes extends ChannelInboundHandlerAdapter {
        volatile long reads;
        volatile long frames;
        private long count;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            count += msg instanceof NetmapRxBatch batch ? batch.size() : 1;
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            frames = count;
            reads = reads + 1;
            ctx.fireChannelReadComplete();
        }
    }

    /** Counts frames (once per read batch) and releases them. */
    static final class Sink extends ChannelInboundHandlerAdapter {
        private final ReceivedFrames frames;
        private long count;

        Sink(ReceivedFrames frames) {
            this.frames = frames;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof NetmapRxBatch batch) {
                count += batch.presentFrames();
            } else {
                ((ByteBuf) msg).release();
                count++;
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            frames.add(count);
            count = 0;
        }
    }

    /** An endless batch cycling through distinct frames, copied into every free TX slot. */
    static final class Generator extends ChannelInboundHandlerAdapter implements NetmapTxBatch {
        private final byte[][] frames;
        private int next;

        Generator(byte[][] frames) {
            this.frames = frames;
        }

        @Override
        public boolean fill(NetmapTxSlots slots) {
            MemorySegment region = slots.region();
            for (int n = slots.remaining(); n > 0; n--) {
                byte[] f = frames[next];
                next = (next + 1) & (frames.length - 1);
                MemorySegment.copy(f, 0, region, JAVA_BYTE, slots.bufferOffset(), f.length);
                slots.commit(f.length);
            }
            return false;
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // The endless batch fails with ClosedChannelException when the trial closes the channel.
        }
    }
}
