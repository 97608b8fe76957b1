package io.netmap4j.microbench.raw;

import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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

import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * Frames per second through a user-backend pipe with the raw {@link NetmapPort} API: one
 * thread fills the master's TX ring and syncs, another drains the slave's RX ring and syncs
 * (a JMH group, one thread per end). Each invocation is one batch of up to {@code batch}
 * frames; the counters say how many moved, so the scores to read are {@code pipe:txFrames}
 * and {@code pipe:rxFrames} in ops/s (frames per second, one direction). The allocation per
 * frame is {@code gc.alloc.rate.norm} (per batch call) divided by the batch size.
 *
 * <p>{@code touch=false} moves slot descriptors only (length set, payload untouched), the
 * netmap way of forwarding; {@code touch=true} writes 8 bytes at the start of each frame and
 * reads them on the other side, so the buffer's cache line crosses cores. {@code size} is the
 * frame length written into the slots.
 *
 * <pre>
 * ./mvnw -q -B -pl microbench -am package -DskipTests
 * java -jar microbench/target/benchmarks.jar PipeRaw -prof gc
 * </pre>
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
public class PipeRawBenchmark {
    @Param({"64", "512"})
    public int batch;

    @Param({"64", "1514"})
    public int size;

    @Param({"false", "true"})
    public boolean touch;

    private NetmapPort master;
    private NetmapPort slave;
    private NetmapRing tx;
    private NetmapRing rx;

    /** Frames sent by the TX thread in one iteration: read {@code pipe:txFrames} as frames/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class TxFrames {
        public long txFrames;

        @Setup(Level.Iteration)
        public void clear() {
            txFrames = 0;
        }
    }

    /** Frames received by the RX thread in one iteration: read {@code pipe:rxFrames} as frames/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class RxFrames {
        public long rxFrames;

        @Setup(Level.Iteration)
        public void clear() {
            rxFrames = 0;
        }
    }

    @Setup(Level.Trial)
    public void open() throws NetmapException {
        String name = "netmap:jmh" + ProcessHandle.current().pid();
        master = UserBackend.INSTANCE.open(PortSpec.parse(name + "{1@conf:slots=1024"));
        slave = UserBackend.INSTANCE.open(PortSpec.parse(name + "}1@conf:slots=1024"));
        tx = master.txRing(0);
        rx = slave.rxRing(0);
    }

    @TearDown(Level.Trial)
    public void close() {
        slave.close();
        master.close();
    }

    @Benchmark
    @Group("pipe")
    @GroupThreads(1)
    public void tx(TxFrames counter) throws NetmapException {
        NetmapRing ring = tx;
        MemorySegment region = ring.region();
        int n = Math.min(ring.space(), batch);
        int h = ring.head();
        int len = size;
        boolean write = touch;
        for (int i = 0; i < n; i++) {
            ring.len(h, len);
            if (write) {
                // region + offset rather than slotBuffer(h): no view object per frame to rely on
                // escape analysis for
                region.set(JAVA_LONG_UNALIGNED, ring.slotBufferOffset(h), h);
            }
            h = ring.next(h);
        }
        ring.advance(h);
        master.txSync();
        counter.txFrames += n;
    }

    @Benchmark
    @Group("pipe")
    @GroupThreads(1)
    public long rx(RxFrames counter) throws NetmapException {
        NetmapRing ring = rx;
        MemorySegment region = ring.region();
        int n = Math.min(ring.space(), batch);
        int h = ring.head();
        long sum = 0;
        boolean read = touch;
        for (int i = 0; i < n; i++) {
            sum += ring.len(h);
            if (read) {
                sum += region.get(JAVA_LONG_UNALIGNED, ring.slotBufferOffset(h));
            }
            h = ring.next(h);
        }
        ring.advance(h);
        slave.rxSync();
        counter.rxFrames += n;
        return sum;
    }
}
