package io.netmap4j.microbench.netty;

import io.netmap4j.microbench.support.Frames;
import io.netmap4j.microbench.support.ReceivedFrames;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapIoHandler;
import io.netty.bootstrap.Bootstrap;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Frames per second received by a Netty pipeline from a network interface, through each NIC
 * mechanism of the user backend: a veth pair made for the trial (root only), a generator channel
 * on end a (AF_XDP, TX only, {@link NettyPipeBenchmark.BatchGenerator}), and the measured channel
 * on end b ({@code xdp}: AF_XDP with zero-copy RX views; {@code packet}: AF_PACKET, one copy),
 * whose sink reads each frame's sequence number. One operation is one frame received, so with
 * {@code -prof gc} {@code gc.alloc.rate.norm} is bytes allocated per received frame, by all
 * threads. The rate is bounded by the sender on a veth (AF_XDP transmit in copy mode); for rates
 * against C receivers with one in-kernel sender, run {@code microbench/nic-rx-bench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
public class NicRxBenchmark {
    static final int FRAMES = 1 << 15;

    @Param({"xdp", "packet"})
    public String mechanism;

    /** Frame length without the FCS (60 is a 64-byte frame on the wire). */
    @Param({"60", "1514"})
    public int frameSize;

    private String a;
    private String b;
    private EventLoopGroup txGroup;
    private EventLoopGroup rxGroup;
    private Channel sender;
    private Channel receiver;
    private final ReceivedFrames frames = new ReceivedFrames();
    private NettyPipeBenchmark.Sink sink;
    private long target;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        String base = "nm4jxj" + ProcessHandle.current().pid();
        a = base + "a";
        b = base + "b";
        ip("ip", "link", "add", a, "type", "veth", "peer", "name", b);
        for (String i : new String[] {a, b}) {
            Files.writeString(Path.of("/proc/sys/net/ipv6/conf/" + i + "/disable_ipv6"), "1");
            ip("ip", "link", "set", i, "up");
        }
        txGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-tx", true),
                NetmapIoHandler.newFactory());
        rxGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-rx", true),
                NetmapIoHandler.newFactory());
        sink = new NettyPipeBenchmark.Sink(frames);
        receiver = new Bootstrap().group(rxGroup).channel(NetmapChannel.class)
                .option(NetmapChannelOption.BACKEND, "user")
                .option(NetmapChannelOption.NIC_MECHANISM, mechanism)
                .option(NetmapChannelOption.RX_ZERO_COPY, true)
                .handler(sink)
                .bind(NetmapAddress.of("netmap:" + b + "/R")).sync().channel();
        sender = new Bootstrap().group(txGroup).channel(NetmapChannel.class)
                .option(NetmapChannelOption.BACKEND, "user")
                .option(NetmapChannelOption.NIC_MECHANISM, "xdp")
                .handler(new NettyPipeBenchmark.BatchGenerator(Frames.template(frameSize)))
                .bind(NetmapAddress.of("netmap:" + a + "/T")).sync().channel();
        sender.pipeline().fireUserEventTriggered(NettyPipeBenchmark.Start.INSTANCE);
    }

    private static void ip(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed (the benchmark needs root): " + out);
        }
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
        ip("ip", "link", "del", a);
    }
}
