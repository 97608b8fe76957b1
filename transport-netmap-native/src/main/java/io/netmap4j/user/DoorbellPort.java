package io.netmap4j.user;

import io.netmap4j.core.NetmapBackend;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.ReadySet;
import io.netmap4j.spec.PortSpec;

import java.lang.foreign.MemorySegment;

import static io.netmap4j.abi.NetmapConstants.POLLERR;
import static io.netmap4j.abi.NetmapConstants.POLLHUP;
import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.abi.NetmapConstants.POLLNVAL;

/**
 * A port of the user backend whose syncs run in Java and whose pollable descriptor is a
 * {@link Doorbell}: the four steps of waiting of {@link NetmapPort}, done once for the ports that
 * use it (VALE ports, monitors). {@link #readyOps} syncs as netmap's poll would; only
 * {@link #prepareToSleep} announces the sleep in shared memory (so that whoever makes this port
 * ready rings the doorbell), looking again after announcing; {@link #completePoll} withdraws the
 * announcement, empties the doorbell and syncs again. poll(2) is needed only to sleep.
 *
 * <p>A port whose doorbell was made {@linkplain Doorbell#lazy lazily}, with waiter slots, can
 * {@linkplain #joinReadySet join} an event loop's {@link ReadyBoard}: whoever takes its sleep bits
 * then marks it there, and it never makes its FIFO unless it sleeps outside a board.
 *
 * <p>(Pipe ends follow the same steps in {@link UserPipePort}, which predates this class.)
 */
public abstract class DoorbellPort extends NetmapPort {
    private final Doorbell bell;
    /** True between a prepareToSleep that announced the sleep and the completePoll after it. */
    private boolean announced;
    /** True while this registration waits in a ready board rather than on its own FIFO. */
    private boolean joined;
    private long announcedAt;
    private long lateWakeups;

    protected DoorbellPort(PortSpec spec, NetmapBackend backend, MemorySegment region, long nifOffset, int memId,
                           int extraBuffers, Doorbell bell) {
        super(spec, backend, region, nifOffset, memId, extraBuffers);
        this.bell = bell;
    }

    /** What netmap's poll does inside the kernel: the syncs {@code ops} ask for, then the readiness tests. */
    protected abstract int syncAndTest(int ops) throws NetmapException;

    /**
     * Says in shared memory that this registration is about to sleep waiting for {@code ops},
     * then looks once more.
     *
     * @return true if something moved meanwhile, so the caller must sync instead of sleeping
     *         (the announcement is withdrawn then)
     */
    protected abstract boolean announceSleep(int ops);

    /** Withdraws the announcement: nobody need ring this registration. */
    protected abstract void clearSleep();

    /**
     * The ready operations to report instead of sleeping when this port cannot wait (closed,
     * or what it depends on is gone), else 0. Called before every announcement.
     */
    protected int cannotSleep(int ops) throws NetmapException {
        return isOpen() ? 0 : POLLERR | POLLHUP;
    }

    /** The doorbell (for counters and for subclasses that ring others through it). */
    protected final Doorbell doorbell() {
        return bell;
    }

    /** See {@link NetmapPort#lateWakeups()}: counted as {@link UserPipePort} counts them. */
    @Override
    public final long lateWakeups() {
        return lateWakeups;
    }

    /**
     * The doorbell FIFO, made on first use if the doorbell is lazy (then -1 here if making it
     * fails; {@link #prepareToSleep} reports that failure).
     */
    @Override
    public final int fd() {
        try {
            bell.ensureOwn(name());
        } catch (NetmapException e) {
            return -1;
        }
        return bell.fd();
    }

    @Override
    public final boolean joinReadySet(ReadySet set, int member) {
        joined = isOpen() && bell.join(set, member);
        return joined;
    }

    @Override
    public final void leaveReadySet() {
        if (isOpen()) {
            bell.leave();
        }
        joined = false;
    }

    @Override
    public boolean needsPollToSync() {
        return false;
    }

    @Override
    public final int readyOps(int ops) throws NetmapException {
        return syncAndTest(ops);
    }

    @Override
    public final int prepareToSleep(int ops) throws NetmapException {
        int refused = cannotSleep(ops);
        if (refused != 0) {
            return refused;
        }
        if (!joined) {
            bell.ensureOwn(name()); // before announcing: whoever wakes us answers through it
        }
        // Whoever makes us ready between our sync and the announcement makes us look again; if
        // that keeps happening without making anything ready (it cannot, unless someone breaks
        // the protocol), give up announcing: the bounded sleep of maxPollDelayNanos covers that.
        for (int attempt = 0; attempt < 4; attempt++) {
            if (!announceSleep(ops)) {
                announced = true;
                announcedAt = System.nanoTime();
                return 0;
            }
            int ready = syncAndTest(ops);
            if (ready != 0) {
                return ready;
            }
        }
        return 0;
    }

    @Override
    public final int pollEvents(int ops) {
        return POLLIN;
    }

    @Override
    public final int completePoll(int ops, int revents) throws NetmapException {
        boolean slept = announced;
        if (announced) {
            announced = false;
            clearSleep();
        }
        if ((revents & POLLIN) != 0) {
            bell.drain();
        }
        int ready = syncAndTest(ops);
        long bound = maxPollDelayNanos();
        if (slept && !joined && ready != 0 && (revents & POLLIN) == 0 && bound > 0
                && System.nanoTime() - announcedAt >= bound - bound / 10) {
            // slept to the bound although someone had made us ready: they did not ring
            lateWakeups++;
        }
        if ((revents & (POLLERR | POLLNVAL)) != 0) {
            ready |= POLLERR;
        }
        return ready;
    }
}
