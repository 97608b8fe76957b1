package io.netmap4j.user;

import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.ReadySet;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.monitor.MonitorTaps;

import static io.netmap4j.abi.NetmapConstants.POLLERR;
import static io.netmap4j.abi.NetmapConstants.POLLHUP;
import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.abi.NetmapConstants.POLLNVAL;
import static io.netmap4j.abi.NetmapConstants.POLLOUT;
import static io.netmap4j.user.PipeLayout.WANT_RX;
import static io.netmap4j.user.PipeLayout.WANT_TX;

/**
 * One registered end of a user-space pipe: the netmap layout in a shared-memory region, the
 * syncs done by {@link PipeEnd}, a FIFO doorbell as the pollable descriptor, and a watch on the
 * peer process.
 *
 * <p>Waiting follows netmap's poll: {@link #readyOps} syncs (rxsync for POLLIN; txsync for
 * POLLOUT, and by default also without it, unless NR_NO_TX_POLL) and reports POLLIN when the RX
 * ring has frames past cur, POLLOUT when the TX ring has room past cur. Only
 * {@link #prepareToSleep} tells the peer, in shared memory, that this registration sleeps, which
 * makes the peer write to our doorbell when it moves, or, once this port {@linkplain
 * #joinReadySet joined} an event loop's {@link ReadyBoard}, mark it there; so a busy-polling
 * loop costs its peer no system call. {@link #completePoll} withdraws that and syncs again. A
 * dead peer gives POLLHUP|POLLERR. poll(2) is needed only to sleep ({@link #needsPollToSync()}
 * is false).
 */
public final class UserPipePort extends NetmapPort {
    private final PipeRegistration reg;
    private final Doorbell bell;
    private final PeerWatch watch;
    private final PipeEnd end;
    private final boolean txPoll;
    /** True between a prepareToSleep that announced the sleep and the completePoll after it. */
    private boolean announced;
    /** True while this registration waits in a ready board rather than on its own FIFO. */
    private boolean joined;
    /** System.nanoTime() of the last announced sleep. */
    private long announcedAt;
    private long lateWakeups;

    private UserPipePort(PortSpec spec, UserBackend backend, PipeRegistration reg, Doorbell bell, int memId,
                         boolean txPoll) {
        super(spec, backend, reg.file.mem(), reg.nif, memId, reg.extraBuffers);
        this.reg = reg;
        this.bell = bell;
        this.txPoll = txPoll;
        this.watch = new PeerWatch(reg.file, reg.pair, 1 - reg.end);
        MonitorTaps taps = new MonitorTaps(reg.file.mem(), PipeLayout.line(reg.pair, reg.end) + PipeLayout.L_MONITORS,
                PipeMonitors.places(reg.file, reg.pool, reg.pair, reg.end), reg.token(),
                PipeMonitors.tokens(reg.file, reg.token()), bell);
        this.end = new PipeEnd(spec.toString(), reg.file, reg.pool, watch, bell, taps, reg.pair, reg.end,
                reg.registration, reg.txSlots, reg.rxSlots, txRingCount() > 0, rxRingCount() > 0);
    }

    static UserPipePort open(PortSpec spec, UserBackend backend, PipeRegistration.Request request, boolean txPoll)
            throws NetmapException {
        PipeRegistration reg = PipeRegistration.register(request);
        Doorbell bell = null;
        boolean memId = false;
        try {
            String[] peerFifos = reg.peerFifos();
            // the peer end's registrations have waiter slots, the pipe's monitors do not
            Doorbell.Waiters waiters = new Doorbell.Waiters(reg.file.mem(),
                    PipeLayout.waiter(reg.pair, reg.end, reg.registration), PipeLayout.NIFS_PER_END,
                    j -> PipeLayout.waiter(reg.pair, 1 - reg.end, j), reg.dir());
            bell = Doorbell.lazy(reg.ownFifo(), peerFifos.length, j -> peerFifos[j], waiters);
            int id = backend.memIdOf(reg.file);
            memId = true;
            try {
                return new UserPipePort(spec, backend, reg, bell, id, txPoll);
            } catch (IllegalArgumentException e) {
                // a ring or netmap_if the peer damaged between the registration and the mapping
                throw new NetmapException(request.what() + ": the pipe's shared state is damaged (" + e.getMessage()
                        + "); close both ends to reset the pipe", e);
            }
        } catch (NetmapException | RuntimeException e) {
            if (memId) {
                backend.releaseMemId(reg.file);
            }
            if (bell != null) {
                bell.close();
            }
            reg.unregister();
            throw e;
        }
    }

    /**
     * The doorbell FIFO, made on first use: a port that waits in a ready board has none (and
     * then -1 here if making it fails; {@link #prepareToSleep} reports that failure).
     */
    @Override
    public int fd() {
        try {
            bell.ensureOwn(name());
        } catch (NetmapException e) {
            return -1;
        }
        return bell.fd();
    }

    @Override
    public void txSync() throws NetmapException {
        ensureUsable();
        end.txSync();
    }

    @Override
    public void rxSync() throws NetmapException {
        ensureUsable();
        end.rxSync();
    }

    private void ensureUsable() throws NetmapException {
        if (!isOpen()) {
            throw new NetmapException(name() + " is closed");
        }
        if (watch.isGone()) {
            throw end.peerGone();
        }
    }

    /**
     * The longest sleep: a peer that dies cannot ring, so a sleeper wakes this often to look
     * (in {@link #prepareToSleep}), and notices a death within about this time. Wake-ups are
     * otherwise reliable, so this only trades idle wake-ups against how late a death is seen.
     */
    static final long MAX_SLEEP_NANOS = 1_000_000_000L;

    @Override
    public long maxPollDelayNanos() {
        return MAX_SLEEP_NANOS;
    }

    @Override
    public boolean needsPollToSync() {
        return false;
    }

    @Override
    public int readyOps(int ops) throws NetmapException {
        return syncAndTest(ops);
    }

    /**
     * Joins a {@link ReadyBoard} of the directory this pipe's region is in: the waiter slot
     * names the board and member, so the peer that takes this registration's sleep bits marks
     * it there instead of ringing the FIFO.
     */
    @Override
    public boolean joinReadySet(ReadySet set, int member) {
        joined = isOpen() && bell.join(set, member);
        return joined;
    }

    @Override
    public void leaveReadySet() {
        if (isOpen()) {
            bell.leave();
        }
        joined = false;
    }

    @Override
    public int prepareToSleep(int ops) throws NetmapException {
        // Only here, before really blocking, is the peer's liveness looked at on purpose (the
        // syncs look too, rarely, when they find nothing): a dead peer would never ring.
        if (!isOpen() || watch.isGone() || watch.checkIfDue()) {
            return POLLERR | POLLHUP;
        }
        if (!joined) {
            bell.ensureOwn(name()); // before announcing: the peer answers through it
        }
        int want = ((ops & POLLIN) != 0 ? WANT_RX : 0) | ((ops & POLLOUT) != 0 ? WANT_TX : 0);
        // The peer moving between our sync and the announcement makes us look again; if it keeps
        // moving without making anything ready (it cannot, unless it breaks the protocol), give
        // up announcing: the bounded sleep of maxPollDelayNanos covers that.
        for (int attempt = 0; attempt < 4; attempt++) {
            if (!end.announceSleep(want)) {
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
    public int pollEvents(int ops) {
        return POLLIN;
    }

    @Override
    public int completePoll(int ops, int revents) throws NetmapException {
        boolean slept = announced;
        if (announced) {
            announced = false;
            end.clearSleep();
        }
        if ((revents & POLLIN) != 0) {
            bell.drain();
        }
        int ready = syncAndTest(ops);
        // (on its own FIFO only: a port in a ready board is woken through the board, see ReadyBoard)
        if (slept && !joined && ready != 0 && (revents & POLLIN) == 0
                && System.nanoTime() - announcedAt >= MAX_SLEEP_NANOS - MAX_SLEEP_NANOS / 10) {
            // slept to the bound although the peer had moved: it did not ring (see lateWakeups)
            lateWakeups++;
        }
        if ((revents & (POLLERR | POLLNVAL)) != 0) {
            ready |= POLLERR;
        }
        return ready;
    }

    /** What netmap's poll does inside the kernel: the syncs, then the readiness tests. */
    private int syncAndTest(int ops) throws NetmapException {
        if (!isOpen()) {
            return POLLERR | POLLHUP;
        }
        try {
            if (watch.isGone()) {
                return POLLERR | POLLHUP;
            }
            if ((ops & POLLIN) != 0) {
                end.rxSync();
            }
            // without POLLOUT, a txsync only publishes what the user queued: skip it (and the
            // read of the peer's line) when nothing is
            if ((ops & POLLOUT) != 0 || txPoll && end.txPending()) {
                end.txSync();
            }
        } catch (io.netmap4j.core.PeerGoneException e) {
            return POLLERR | POLLHUP;
        }
        int ready = 0;
        if ((ops & POLLIN) != 0 && end.rxReady()) {
            ready |= POLLIN;
        }
        if ((ops & POLLOUT) != 0 && end.txReady()) {
            ready |= POLLOUT;
        }
        if (end.takeError()) {
            ready |= POLLERR;
        }
        return ready;
    }

    /**
     * Sleeps that lasted to the bound of {@link #maxPollDelayNanos()} although the peer had moved
     * meanwhile: a wake-up the peer owed and did not deliver (a peer that breaks the protocol, or
     * a lost wake-up). 0 between two ports of this backend; the soak and the wake-up stress test
     * check that. Read it on the thread that polls the port.
     */
    @Override
    public long lateWakeups() {
        return lateWakeups;
    }

    /** Frames from the peer whose descriptors were damaged, delivered empty and counted. */
    @Override
    public long droppedFrames() {
        return end.rxDropped();
    }

    /**
     * Times a ring was reset (head = cur = the kernel's hwcur, tail = hwtail, queued frames
     * dropped) because head, cur or tail was past the last slot, or a slot named no buffer.
     */
    @Override
    public long ringResets() {
        return end.txResets() + end.rxResets();
    }

    /**
     * Times this port wrote to a doorbell of the peer to wake it: each is a system call, made
     * only when the peer announced that it sleeps. For diagnostics and tests.
     */
    public long doorbellWrites() {
        return bell.rings;
    }

    /**
     * Syncs refused with POLLERR because this port's user set head or cur to a slot it does not
     * own; the ring was left as the user wrote it (see {@link #ringResets()} for indices that
     * were not slots at all).
     */
    public long ringErrors() {
        return end.ringErrors();
    }

    /** Indices from the peer that broke the protocol and were ignored. */
    public long peerErrors() {
        return end.peerErrors();
    }

    /** The shared-memory file of this pipe's region. */
    public String regionPath() {
        return reg.file.path();
    }

    @Override
    protected void doClose() {
        end.clearSleep(); // so that the peer does not ring a doorbell nobody reads
        bell.leave();
        bell.close();
        ((UserBackend) backend()).releaseMemId(reg.file);
        reg.unregister();
    }
}
