package io.netmap4j.user.nic;

import io.netmap4j.abi.ErrnoException;
import io.netmap4j.abi.LibC;
import io.netmap4j.abi.LinuxCalls;
import io.netmap4j.core.NetmapBackend;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.spec.PortSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.netmap4j.abi.NetmapConstants.POLLERR;
import static io.netmap4j.abi.NetmapConstants.POLLHUP;
import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.abi.NetmapConstants.POLLNVAL;
import static io.netmap4j.abi.NetmapConstants.POLLOUT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * A network interface opened by the user backend: netmap's layout in a private region
 * ({@link NicRegion}), one {@link NicQueue} per bound ring pair doing what the kernel does for
 * it, and one pollable descriptor for all of them (the queue's socket, or an epoll descriptor
 * over the sockets of several queues).
 *
 * <p>Waiting follows netmap's poll, as for pipes: {@link #readyOps} syncs (rxsync for POLLIN;
 * txsync for POLLOUT, and without it when frames are queued, unless NR_NO_TX_POLL) and reports
 * POLLIN when an RX ring has frames past cur, POLLOUT when a TX ring has room past cur. The
 * descriptor becomes readable when frames arrive; nothing tells when sent frames are done, so
 * while some are in flight a sleeper wakes after {@link #TX_RECHECK_NANOS} to look (they are
 * usually done within microseconds; the event loop's spin after I/O catches most). A deleted
 * interface is reported as POLLERR|POLLHUP: at once where the socket says so (AF_PACKET), within
 * {@link #LIVENESS_NANOS} where it does not (AF_XDP).
 */
public final class NicPort extends NetmapPort {
    /** How long a sleeper waits at most while transmitted frames are in flight. */
    static final long TX_RECHECK_NANOS = 1_000_000L;
    /**
     * How often a sleeper looks whether its interface still exists: an AF_XDP socket does not
     * report POLLERR when its interface is deleted (it just goes quiet), so this bounds how late
     * that is noticed.
     */
    static final long LIVENESS_NANOS = 1_000_000_000L;
    private long lastLivenessCheck = System.nanoTime();

    private final NicRegion nicRegion;
    private final NicQueue[] queues;
    private final int pollFd;
    private final boolean ownsPollFd;
    private final boolean txPoll;
    private final NetInterface nif;
    private final String mechanism;
    private final Runnable release;
    private boolean gone;

    private NicPort(PortSpec spec, NetmapBackend backend, NicRegion region, int memId, NicQueue[] queues, int pollFd,
                    boolean ownsPollFd, boolean txPoll, NetInterface nif, String mechanism, Runnable release) {
        super(spec, backend, region.mem(), region.nifOffset(), memId, region.extraBuffers());
        this.nicRegion = region;
        this.queues = queues;
        this.pollFd = pollFd;
        this.ownsPollFd = ownsPollFd;
        this.txPoll = txPoll;
        this.nif = nif;
        this.mechanism = mechanism;
        this.release = release;
    }

    /**
     * Builds the port over queues that are open. On failure nothing is closed here: the caller
     * still owns the queues, the region and whatever {@code release} would release.
     *
     * @param mechanism what the port runs on, for toString and logs, for example {@code AF_XDP (copy mode)}
     * @param release   run once at close, after the queues are closed and before the region is unmapped
     */
    public static NicPort create(PortSpec spec, NetmapBackend backend, NicRegion region, int memId, NicQueue[] queues,
                                 boolean txPoll, NetInterface nif, String mechanism, Runnable release)
            throws NetmapException {
        int fd;
        boolean own = queues.length != 1;
        if (!own) {
            fd = queues[0].fd();
        } else {
            fd = epollOver(spec.toString(), queues);
        }
        try {
            return new NicPort(spec, backend, region, memId, queues, fd, own, txPoll, nif, mechanism, release);
        } catch (RuntimeException e) {
            if (own) {
                LibC.closeQuietly(fd);
            }
            throw e;
        }
    }

    /** An epoll descriptor that is readable when any queue's descriptor is. */
    private static int epollOver(String what, NicQueue[] queues) throws NetmapException {
        int ep = -1;
        try (Arena arena = Arena.ofConfined()) {
            ep = LinuxCalls.epollCreate(LinuxNet.EPOLL_CLOEXEC);
            MemorySegment ev = arena.allocate(LinuxNet.EPOLL_EVENT_SIZE, 4);
            for (NicQueue q : queues) {
                ev.set(JAVA_INT, 0, LinuxNet.EPOLLIN);
                LinuxCalls.epollCtl(ep, LinuxNet.EPOLL_CTL_ADD, q.fd(), ev);
            }
            return ep;
        } catch (ErrnoException e) {
            LibC.closeQuietly(ep);
            throw new NetmapException("open " + what + " failed: cannot set up polling over its queues ("
                    + e.getMessage() + ")", e.errno(), e);
        }
    }

    @Override
    public int fd() {
        return pollFd;
    }

    @Override
    public void txSync() throws NetmapException {
        ensureUsable();
        for (NicQueue q : queues) {
            q.txSync();
        }
    }

    @Override
    public void rxSync() throws NetmapException {
        ensureUsable();
        for (NicQueue q : queues) {
            q.rxSync();
        }
    }

    private void ensureUsable() throws NetmapException {
        if (!isOpen()) {
            throw new NetmapException(name() + " is closed");
        }
        if (gone) {
            throw new NetmapException(name() + ": the interface " + nif.name() + " is gone (deleted, or moved to "
                    + "another network namespace); close the port");
        }
    }

    @Override
    public boolean needsPollToSync() {
        return false;
    }

    @Override
    public long maxPollDelayNanos() {
        for (NicQueue q : queues) {
            if (q.txInFlight()) {
                return TX_RECHECK_NANOS;
            }
        }
        return LIVENESS_NANOS;
    }

    @Override
    public int readyOps(int ops) throws NetmapException {
        return syncAndTest(ops);
    }

    @Override
    public int prepareToSleep(int ops) throws NetmapException {
        long now = System.nanoTime();
        if (now - lastLivenessCheck >= LIVENESS_NANOS && isOpen() && !gone) {
            lastLivenessCheck = now;
            checkQueues();
        }
        return syncAndTest(ops); // the descriptor needs nothing arranged: look once more
    }

    /** Reads the queues' socket errors; marks the port gone if its interface is. */
    private void checkQueues() {
        for (NicQueue q : queues) {
            try {
                q.checkError();
            } catch (NetmapException e) {
                gone = true;
            }
        }
    }

    @Override
    public int pollEvents(int ops) {
        return (ops & POLLIN) != 0 ? POLLIN : 0;
    }

    @Override
    public int completePoll(int ops, int revents) throws NetmapException {
        int extra = 0;
        if ((revents & (POLLERR | POLLNVAL)) != 0 && isOpen()) {
            checkQueues();
            extra = POLLERR;
        }
        return syncAndTest(ops) | extra;
    }

    /** What netmap's poll does inside the kernel: the syncs, then the readiness tests. */
    private int syncAndTest(int ops) throws NetmapException {
        if (!isOpen() || gone) {
            return POLLERR | POLLHUP;
        }
        int ready = 0;
        for (NicQueue q : queues) {
            if ((ops & POLLIN) != 0) {
                q.rxSync();
            }
            if ((ops & POLLOUT) != 0 || txPoll && (q.txPending() || q.txInFlight())) {
                q.txSync();
            }
            if ((ops & POLLIN) != 0 && q.rxReady()) {
                ready |= POLLIN;
            }
            if ((ops & POLLOUT) != 0 && q.txReady()) {
                ready |= POLLOUT;
            }
            if (q.takeError()) {
                ready |= POLLERR;
            }
        }
        return ready;
    }

    /** The interface this port is open on. */
    public NetInterface netInterface() {
        return nif;
    }

    /** What moves the frames, for example {@code AF_XDP (copy mode)} or {@code AF_PACKET}. */
    public String mechanism() {
        return mechanism;
    }

    /**
     * The longest frame this port receives whole (AF_XDP without multi-buffer frames, before
     * Linux 6.6, drops what does not fit one buffer); {@link Integer#MAX_VALUE} when only the
     * interface's MTU limits it.
     */
    public int maxReceiveFrame() {
        int max = Integer.MAX_VALUE;
        for (NicQueue q : queues) {
            max = Math.min(max, q.maxReceiveFrame());
        }
        return max;
    }

    /** Frames the kernel dropped for this port's queues (full rings, no buffer), as far as it tells. */
    @Override
    public long droppedFrames() {
        long d = 0;
        for (NicQueue q : queues) {
            d += q.droppedFrames();
        }
        return d;
    }

    /** Times a ring was reset because its head or cur (or a slot) broke the netmap rules. */
    @Override
    public long ringResets() {
        long r = 0;
        for (NicQueue q : queues) {
            r += q.ringResets();
        }
        return r;
    }

    /** The region's geometry (for tests and diagnostics). */
    public NicRegion nicRegion() {
        return nicRegion;
    }

    @Override
    protected void doClose() {
        for (NicQueue q : queues) {
            q.close();
        }
        if (ownsPollFd) {
            LibC.closeQuietly(pollFd);
        }
        try {
            release.run();
        } finally {
            nicRegion.close();
            NicOpener.releaseMemId(memId());
        }
    }

    @Override
    public String toString() {
        return super.toString() + " on " + nif.name() + " through " + mechanism;
    }
}
