package io.netmap4j.microbench.raw;

import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;
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
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

/**
 * What a frame costs the CPU through a pipe and through a VALE switch, both sides done by one
 * thread: a batch of 512 frames queued on one port and synced (for VALE, the switch's learning
 * and copy happen there), then synced and read (8 bytes each) on the other port and released.
 * One operation is one frame. With nothing crossing cores and no second thread to wait for,
 * the ratio of the two scores stays meaningful on a machine shared with other work, where the
 * two-thread {@link ValeRawBenchmark} and {@link PipeRawBenchmark} mostly measure scheduling.
 *
 * <pre>
 * java -jar microbench/target/benchmarks.jar OneCore -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class OneCoreBenchmark {
    static final int BATCH = 512;

    @Param({"pipe", "vale"})
    public String through;

    @Param({"64"})
    public int size;

    private NetmapPort a;
    private NetmapPort b;
    private NetmapRing tx;
    private NetmapRing rx;

    @Setup(Level.Trial)
    public void open() throws NetmapException {
        long pid = ProcessHandle.current().pid();
        if (through.equals("vale")) {
            a = UserBackend.INSTANCE.open(PortSpec.parse("valeone" + pid + ":a"));
            b = UserBackend.INSTANCE.open(PortSpec.parse("valeone" + pid + ":b"));
            NetmapRing btx = b.txRing(0); // b says who it is: frames for MAC_B are unicast to it
            ValeRawBenchmark.header(btx.slotBuffer(btx.head()), 0xFFFF_FFFF_FFFFL, ValeRawBenchmark.MAC_B);
            btx.len(btx.head(), 60);
            btx.advance(btx.next(btx.head()));
            b.txSync();
        } else {
            a = UserBackend.INSTANCE.open(PortSpec.parse("netmap:one" + pid + "{1"));
            b = UserBackend.INSTANCE.open(PortSpec.parse("netmap:one" + pid + "}1"));
        }
        tx = a.txRing(0);
        rx = b.rxRing(0);
        for (int i = 0; i < tx.numSlots(); i++) {
            ValeRawBenchmark.header(tx.slotBuffer(i), ValeRawBenchmark.MAC_B, ValeRawBenchmark.MAC_A);
        }
        a.rxSync();
        a.rxRing(0).advance(a.rxRing(0).tail());
        a.rxSync();
    }

    @TearDown(Level.Trial)
    public void close() {
        b.close();
        a.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long sendAndReceive() throws NetmapException {
        NetmapRing t = tx;
        int h = t.head();
        for (int i = 0; i < BATCH; i++) {
            t.len(h, size);
            h = t.next(h);
        }
        t.advance(h);
        a.txSync();
        b.rxSync();
        NetmapRing r = rx;
        MemorySegment region = r.region();
        long sum = 0;
        int g = r.head();
        for (int n = r.space(); n > 0; n--) {
            sum += region.get(JAVA_LONG_UNALIGNED, r.slotBufferOffset(g));
            g = r.next(g);
        }
        r.advance(g);
        b.rxSync();
        a.txSync(); // a pipe's slots come back now
        return sum;
    }
}
