package io.netmap4j.microbench.netty;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.microbench.support.Frames;
import io.netmap4j.microbench.support.ReceivedFrames;
import io.netmap4j.netty.Netmap;
import io.netmap4j.spec.PortSpec;
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

import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.abi.NetmapConstants.POLLOUT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * The baseline for {@link NettyPipeBenchmark}: the same user-space pipe, the same frames and the
 * same work per frame (copy the frame into the TX buffer, read its sequence number on RX), driven
 * by two plain threads over the {@link NetmapPort} API with no Netty in between. Each thread syncs
 * once per batch and waits in {@link NetmapPort#poll} when its ring is full or empty, as an event
 * loop would. One operation is one frame received.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dio.netty.leakDetection.level=disabled"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 3)
public class RawPipeBenchmark {
    private static final AtomicInteger NEXT_PIPE = new AtomicInteger();
    private static final ValueLayout.OfLong SEQUENCE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    /** The RX batch of a NetmapChannel by default; TX fills whatever the ring has free. */
    private static final int RX_BATCH = 256;

    @Param({"64", "1514"})
    public int frameSize;

    private final ReceivedFrames frames = new ReceivedFrames();
    private NetmapPort txPort;
    private NetmapPort rxPort;
    private Thread sender;
    private Thread receiver;
    private volatile boolean running;
    private volatile Throwable failure;
    private volatile long checksum;
    private long target;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Netmap.ensureAvailability();
        String pipe = "netmap:jmhraw" + ProcessHandle.current().pid() + "p" + NEXT_PIPE.incrementAndGet();
        rxPort = Netmap.backend().open(PortSpec.parse(pipe + "}0"));
        txPort = Netmap.backend().open(PortSpec.parse(pipe + "{0"));
        byte[] template = Frames.template(frameSize);
        running = true;
        sender = new Thread(() -> guard(() -> send(template)), "raw-tx");
        receiver = new Thread(() -> guard(this::receive), "raw-rx");
        sender.setDaemon(true);
        receiver.setDaemon(true);
        receiver.start();
        sender.start();
    }

    private interface Body {
        void run() throws Exception;
    }

    private void guard(Body body) {
        try {
            body.run();
        } catch (Throwable t) {
            if (running) {
                failure = t;
                t.printStackTrace();
            }
        }
    }

    private void send(byte[] template) throws Exception {
        NetmapPort port = txPort;
        NetmapRing ring = port.txRing(0);
        MemorySegment region = ring.region();
        int size = template.length;
        long seq = 0;
        while (running) {
            int space = ring.space();
            if (space == 0) {
                port.txSync();
                if (ring.space() == 0) {
                    port.poll(POLLOUT, 100);
                }
                continue;
            }
            int slot = ring.head();
            for (int i = 0; i < space; i++) {
                long off = ring.slotBufferOffset(slot);
                MemorySegment.copy(template, 0, region, JAVA_BYTE, off, size);
                region.set(SEQUENCE, off + Frames.SEQUENCE_OFFSET, seq++);
                ring.len(slot, size);
                ring.flags(slot, 0);
                slot = ring.next(slot);
            }
            ring.advance(slot);
            port.txSync();
        }
    }

    private void receive() throws Exception {
        NetmapPort port = rxPort;
        NetmapRing ring = port.rxRing(0);
        MemorySegment region = ring.region();
        long sum = 0;
        while (running) {
            port.rxSync();
            int n = Math.min(ring.space(), RX_BATCH);
            if (n == 0) {
                port.poll(POLLIN, 100);
                continue;
            }
            int slot = ring.head();
            for (int i = 0; i < n; i++) {
                sum += region.get(SEQUENCE, ring.slotBufferOffset(slot) + Frames.SEQUENCE_OFFSET);
                slot = ring.next(slot);
            }
            ring.advance(slot);
            frames.add(n);
        }
        checksum = sum;
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        target = frames.received();
    }

    @Benchmark
    @OperationsPerInvocation(NettyPipeBenchmark.FRAMES)
    public long framesReceived() {
        if (failure != null) {
            throw new IllegalStateException("a pipe thread failed", failure);
        }
        target += NettyPipeBenchmark.FRAMES;
        frames.await(target);
        return target;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        running = false;
        sender.join(2000);
        receiver.join(2000);
        txPort.close();
        rxPort.close();
    }
}
