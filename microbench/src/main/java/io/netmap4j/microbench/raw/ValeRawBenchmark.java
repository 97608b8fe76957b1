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

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * Frames per second through a user-backend VALE switch with the raw {@link NetmapPort} API, the
 * way netmap's VALE is measured (pkt-gen on two ports): one thread fills port {@code a}'s TX ring
 * and syncs (the switch's work, learning and the copy, happens in that txsync), another drains
 * port {@code b}'s RX ring and syncs; a JMH group, one thread per port. Frames go to b's MAC,
 * which the switch learned, so they are unicast copies. The scores to read are
 * {@code vale:txFrames} (frames the sender handed to the switch) and {@code vale:rxFrames}
 * (frames received), in ops/s; the switch drops what b has no room for, so rx may be lower.
 *
 * <p>{@code ports=3} opens a third port on the switch, idle, to show what another port costs the
 * pair. {@code size} is the frame length; the frames' headers are written once, at setup, as
 * pkt-gen does, and the switch reads and copies each frame whole. The allocation per frame is
 * {@code gc.alloc.rate.norm} (per batch call) divided by the batch size.
 *
 * <pre>
 * ./mvnw -q -B -pl microbench -am package -DskipTests
 * java -jar microbench/target/benchmarks.jar ValeRaw -prof gc
 * </pre>
 */
@State(Scope.Group)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 2)
public class ValeRawBenchmark {
    static final long MAC_A = 0x02_00_00_00_00_0aL;
    static final long MAC_B = 0x02_00_00_00_00_0bL;

    @Param({"512"})
    public int batch;

    @Param({"64", "1514"})
    public int size;

    @Param({"2", "3"})
    public int ports;

    private NetmapPort a;
    private NetmapPort b;
    private NetmapPort c;
    private NetmapRing tx;
    private NetmapRing rx;

    /** Frames handed to the switch in one iteration: read {@code vale:txFrames} as frames/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class TxFrames {
        public long txFrames;

        @Setup(Level.Iteration)
        public void clear() {
            txFrames = 0;
        }
    }

    /** Frames received in one iteration: read {@code vale:rxFrames} as frames/s. */
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
        String sw = "valejmh" + ProcessHandle.current().pid();
        a = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":a"));
        b = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":b"));
        c = ports > 2 ? UserBackend.INSTANCE.open(PortSpec.parse(sw + ":c")) : null;
        tx = a.txRing(0);
        rx = b.rxRing(0);
        // b says who it is, so that frames for MAC_B are unicast to b alone
        NetmapRing btx = b.txRing(0);
        header(btx.slotBuffer(btx.head()), 0xFFFF_FFFF_FFFFL, MAC_B);
        btx.len(btx.head(), 60);
        btx.advance(btx.next(btx.head()));
        b.txSync();
        for (int i = 0; i < tx.numSlots(); i++) {
            header(tx.slotBuffer(i), MAC_B, MAC_A);
        }
        if (c != null) {
            c.rxSync();
            c.rxRing(0).advance(c.rxRing(0).tail());
        }
        a.rxSync();
        a.rxRing(0).advance(a.rxRing(0).tail());
    }

    static void header(MemorySegment buf, long dst, long src) {
        for (int i = 0; i < 6; i++) {
            buf.set(JAVA_BYTE, i, (byte) (dst >>> 8 * (5 - i)));
            buf.set(JAVA_BYTE, 6 + i, (byte) (src >>> 8 * (5 - i)));
        }
        buf.set(JAVA_BYTE, 12, (byte) 0x88);
        buf.set(JAVA_BYTE, 13, (byte) 0xb5);
    }

    @TearDown(Level.Trial)
    public void close() {
        if (c != null) {
            c.close();
        }
        b.close();
        a.close();
    }

    @Benchmark
    @Group("vale")
    @GroupThreads(1)
    public void tx(TxFrames counter) throws NetmapException {
        NetmapRing ring = tx;
        int n = Math.min(ring.space(), batch);
        int h = ring.head();
        int len = size;
        for (int i = 0; i < n; i++) {
            ring.len(h, len);
            h = ring.next(h);
        }
        ring.advance(h);
        a.txSync();
        counter.txFrames += n;
    }

    @Benchmark
    @Group("vale")
    @GroupThreads(1)
    public long rx(RxFrames counter) throws NetmapException {
        NetmapRing ring = rx;
        MemorySegment region = ring.region();
        int n = Math.min(ring.space(), batch);
        int h = ring.head();
        long sum = 0;
        for (int i = 0; i < n; i++) {
            sum += ring.len(h) + region.get(JAVA_LONG_UNALIGNED, ring.slotBufferOffset(h));
            h = ring.next(h);
        }
        ring.advance(h);
        b.rxSync();
        counter.rxFrames += n;
        return sum;
    }
}
