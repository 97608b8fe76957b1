package io.netmap4j.microbench.raw;

import io.netmap4j.abi.LibC;
import io.netmap4j.abi.LinuxCalls;
import io.netmap4j.abi.gen.NetmapAbi;
import io.netmap4j.abi.gen.pollfd;
import io.netmap4j.user.nic.LinuxNet;
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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Where the event loop's line between poll(2) and epoll lies for ports that sync in poll(2)
 * (kernel ports): one non-blocking wait over {@link #descriptors} descriptors of which one is
 * ready, as a loop does on every iteration, by poll(2) over all of them and by epoll_wait on an
 * epoll set that holds them. eventfds stand in for netmap descriptors (no /dev/netmap here);
 * netmap's poll callback does more per descriptor than an eventfd's, which only favours epoll
 * further. {@code NetmapIoHandler.EPOLL_THRESHOLD} is set from this.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FdWaitBenchmark {
    private static final long POLLFD = pollfd.sizeof();
    private static final long EPOLL_EVENT = LinuxNet.EPOLL_EVENT_SIZE;

    @Param({"1", "2", "4", "8", "16", "32", "64", "256", "1024"})
    public int descriptors;

    private int[] fds;
    private int epfd;
    private MemorySegment pollFds;
    private MemorySegment events;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Arena arena = Arena.ofAuto();
        fds = new int[descriptors];
        pollFds = arena.allocate(POLLFD * descriptors, 8);
        events = arena.allocate(EPOLL_EVENT * 16, 8);
        epfd = LinuxCalls.epollCreate(LinuxNet.EPOLL_CLOEXEC);
        MemorySegment ev = arena.allocate(EPOLL_EVENT, 8);
        for (int i = 0; i < descriptors; i++) {
            fds[i] = LibC.eventfd(0, NetmapAbi.EFD_NONBLOCK() | NetmapAbi.EFD_CLOEXEC());
            pollFds.set(JAVA_INT, POLLFD * i + pollfd.fd$offset(), fds[i]);
            pollFds.set(JAVA_SHORT, POLLFD * i + pollfd.events$offset(), (short) LinuxNet.EPOLLIN);
            ev.set(JAVA_INT, 0, LinuxNet.EPOLLIN);
            ev.set(JAVA_LONG_UNALIGNED, 4, i);
            LinuxCalls.epollCtl(epfd, LinuxNet.EPOLL_CTL_ADD, fds[i], ev);
        }
        // the last one is ready, and stays so (nobody reads it): level-triggered, as a busy port
        LibC.write(fds[descriptors - 1], arena.allocateFrom(JAVA_LONG, 1L), 8);
    }

    @Benchmark
    public int poll() {
        int r = LibC.poll(pollFds, descriptors, 0);
        if (r != 1) {
            throw new IllegalStateException("poll(2) returned " + r);
        }
        return r;
    }

    @Benchmark
    public int epollWait() {
        int r = LinuxCalls.epollWait(epfd, events, 16, 0);
        if (r != 1) {
            throw new IllegalStateException("epoll_wait returned " + r);
        }
        return r;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (int fd : fds) {
            LibC.closeQuietly(fd);
        }
        LibC.closeQuietly(epfd);
    }
}
