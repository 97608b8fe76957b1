package io.netmap4j.microbench.scale;

import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapIoHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
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
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How long binding {@link #PIPE_ENDS} pipe ends takes: one operation binds that many
 * {@link NetmapChannel}s on one event loop (all binds in flight at once, as a program that opens
 * its ports at start does) and waits for all of them; the score is the time of one operation.
 * Each end is one end of a pipe of its own, with {@link #slots} slots; {@link #pipesPerParent}
 * says how many pipes share a parent name, so a region (1: a region per pipe). The channels are
 * closed after each operation, outside the measured time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled"})
@Warmup(iterations = 5)
@Measurement(iterations = 10)
public class PipeBindBenchmark {
    static final int PIPE_ENDS = 1000;
    private static final AtomicInteger NEXT = new AtomicInteger();

    @Param({"64", "1024"})
    public int slots;

    @Param({"1", "64"})
    public int pipesPerParent;

    private EventLoopGroup group;
    private final List<Channel> channels = new ArrayList<>();

    @Setup(Level.Trial)
    public void setUp() {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-bind", true),
                NetmapIoHandler.newFactory());
    }

    @Benchmark
    public int bind() throws Exception {
        String prefix = "netmap:jmh" + ProcessHandle.current().pid() + "b" + NEXT.incrementAndGet() + "p";
        Bootstrap b = new Bootstrap().group(group).channel(NetmapChannel.class)
                .handler(IdlePortsBenchmark.Discard.INSTANCE);
        List<ChannelFuture> futures = new ArrayList<>(PIPE_ENDS);
        for (int k = 0; k < PIPE_ENDS; k++) {
            String name = prefix + (k / pipesPerParent) + "}" + (k % pipesPerParent) + "@conf:slots=" + slots;
            futures.add(b.bind(NetmapAddress.of(name)));
        }
        for (ChannelFuture f : futures) {
            channels.add(f.sync().channel());
        }
        return channels.size();
    }

    @TearDown(Level.Invocation)
    public void closeAll() throws Exception {
        for (Channel ch : channels) {
            ch.close();
        }
        for (Channel ch : channels) {
            ch.closeFuture().sync();
        }
        channels.clear();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
}
