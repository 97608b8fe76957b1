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
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
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

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network function in plain Netty code over user-space netmap pipes: frames come in, a handler
 * looks at them, and writes them out again with one {@code ctx.write} per frame and a flush on
 * {@code channelReadComplete}. One operation is one frame that made the whole trip, so the score
 * is frames/s through the function and {@code gc.alloc.rate.norm} is bytes allocated per frame by
 * every thread. Compare with {@link NettyPipeBenchmark} (generator to sink, no function in
 * between) in the same run.
 *
 * <ul>
 *   <li>{@code reflect}: a generator sends into one end of a pipe; on the other end the function
 *       swaps each frame's MAC addresses and writes it back; the generator's channel counts what
 *       returns.</li>
 *   <li>{@code forward}: a generator sends into pipe A; the function receives on A's other end
 *       and writes each frame to pipe B (a pipe of the same parent, so of the same memory
 *       region); a sink counts what comes out of B. Both of the function's channels share one
 *       event loop.</li>
 * </ul>
 * The generator and the counting side run on one event loop, the function on another: two busy
 * threads, as in {@link NettyPipeBenchmark}. {@code rx}: the function receives zero-copy views
 * (then a frame leaves by buffer index, not copied) or copies. {@code write}: {@code voidPromise}
 * writes {@code ctx.write(frame, ctx.voidPromise())}, {@code promise} writes {@code ctx.write(frame)}
 * (Netty allocates a promise per call).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
public class NetworkFunctionBenchmark {
    static final int FRAMES = 1 << 17;
    private static final AtomicInteger NEXT_PIPE = new AtomicInteger();

    @Param({"64", "1514"})
    public int frameSize;

    @Param({"reflect", "forward"})
    public String function;

    @Param({"zerocopy", "copy"})
    public String rx;

    @Param({"voidPromise", "promise"})
    public String write;

    private EventLoopGroup edgeGroup;
    private EventLoopGroup functionGroup;
    private final List<Channel> channels = new ArrayList<>();
    private final ReceivedFrames frames = new ReceivedFrames();
    private long target;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        edgeGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-edge", true),
                NetmapIoHandler.newFactory());
        functionGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-function", true),
                NetmapIoHandler.newFactory());
        EventLoop edge = (EventLoop) edgeGroup.next();
        EventLoop fn = (EventLoop) functionGroup.next();
        String pipe = "netmap:nf" + ProcessHandle.current().pid() + "p" + NEXT_PIPE.incrementAndGet();
        boolean zeroCopy = switch (rx) {
            case "zerocopy" -> true;
            case "copy" -> false;
            default -> throw new IllegalArgumentException("rx must be zerocopy or copy, not " + rx);
        };
        boolean voidPromise = switch (write) {
            case "voidPromise" -> true;
            case "promise" -> false;
            default -> throw new IllegalArgumentException("write must be voidPromise or promise, not " + write);
        };
        byte[] template = Frames.template(frameSize);
        Channel generator;
        switch (function) {
            case "reflect" -> {
                bind(fn, pipe + "}0", zeroCopy, new Reflector(voidPromise));
                // The generator's channel also counts what comes back.
                generator = bind(edge, pipe + "{0", true, new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new NettyPipeBenchmark.BatchGenerator(template),
                                new NettyPipeBenchmark.Sink(frames));
                    }
                });
            }
            case "forward" -> {
                bind(edge, pipe + "}1", true, new NettyPipeBenchmark.Sink(frames));
                Channel out = bind(fn, pipe + "{1", false, new ChannelInboundHandlerAdapter() {
                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        // Writes racing with the trial's close fail with ClosedChannelException.
                    }
                });
                bind(fn, pipe + "}0", zeroCopy, new Forwarder(out, voidPromise));
                generator = bind(edge, pipe + "{0", false, new NettyPipeBenchmark.BatchGenerator(template));
            }
            default -> throw new IllegalArgumentException("function must be reflect or forward, not " + function);
        }
        generator.pipeline().fireUserEventTriggered(NettyPipeBenchmark.Start.INSTANCE);
    }

    private Channel bind(EventLoop loop, String name, boolean zeroCopy, ChannelHandler handler) throws Exception {
        Channel ch = new Bootstrap().group(loop).channel(NetmapChannel.class)
                .option(NetmapChannelOption.RX_ZERO_COPY, zeroCopy)
                .handler(handler)
                .bind(NetmapAddress.of(name)).sync().channel();
        channels.add(ch);
        return ch;
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        target = frames.received();
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public long framesThrough() {
        target += FRAMES;
        frames.await(target);
        return target;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        for (int i = channels.size() - 1; i >= 0; i--) {
            channels.get(i).close().sync();
        }
        edgeGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        functionGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    /** The function of {@code reflect}: swap the MAC addresses, send the frame back where it came from. */
    public static final class Reflector extends ChannelInboundHandlerAdapter {
        private final boolean voidPromise;

        Reflector(boolean voidPromise) {
            this.voidPromise = voidPromise;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            swapMacs((ByteBuf) msg);
            if (voidPromise) {
                ctx.write(msg, ctx.voidPromise());
            } else {
                ctx.write(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Writes racing with the trial's close fail with ClosedChannelException.
        }
    }

    /** The function of {@code forward}: every frame received goes out on another channel. */
    public static final class Forwarder extends ChannelInboundHandlerAdapter {
        private final Channel out;
        private final boolean voidPromise;

        Forwarder(Channel out, boolean voidPromise) {
            this.out = out;
            this.voidPromise = voidPromise;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (voidPromise) {
                out.write(msg, out.voidPromise());
            } else {
                out.write(msg);
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            out.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Writes racing with the trial's close fail with ClosedChannelException.
        }
    }

    static void swapMacs(ByteBuf frame) {
        int i = frame.readerIndex();
        int dst0 = frame.getInt(i);
        short dst1 = frame.getShort(i + 4);
        frame.setInt(i, frame.getInt(i + 6));
        frame.setShort(i + 4, frame.getShort(i + 10));
        frame.setInt(i + 6, dst0);
        frame.setShort(i + 10, dst1);
    }
}
