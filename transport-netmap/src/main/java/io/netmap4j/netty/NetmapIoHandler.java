package io.netmap4j.netty;

import io.netmap4j.abi.ErrnoException;
import io.netmap4j.abi.Errno;
import io.netmap4j.abi.LibC;
import io.netmap4j.abi.gen.NetmapAbi;
import io.netmap4j.abi.gen.pollfd;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.ReadySet;
import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.ThreadAwareExecutor;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;

import static io.netmap4j.abi.NetmapConstants.POLLERR;
import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.abi.NetmapConstants.POLLNVAL;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Netty 4.2 {@link IoHandler} that waits on netmap ports, and costs per iteration what the ports
 * that moved cost, however many it holds.
 *
 * <p>Every port follows {@link NetmapPort}'s four-step protocol; the loop sorts them by how they
 * learn that they are ready:
 * <ul>
 *   <li><b>Members of the loop's {@link ReadySet}</b> (user-space pipes and VALE ports): a port
 *       that had nothing to do for {@linkplain NetmapIoHandlerConfig#setSpinNanos spinNanos} is armed
 *       ({@code prepareToSleep}) and left alone: its peer marks it in the set when it makes it
 *       ready, without a system call while this loop is awake, and each iteration takes the
 *       marks ({@code completePoll}). Only the ports that are busy are synced on every iteration
 *       ({@code readyOps}), so a busy pair still makes no system call at all. Marks are only
 *       hints, and a peer may lie or die, so the armed ports are also looked at in a sweep, at
 *       most {@link #SWEEP_LOOKS_PER_SECOND} ports a second: with N armed ports each is looked at
 *       at least every {@code N / SWEEP_LOOKS_PER_SECOND} seconds, plus up to
 *       {@link #MEMBER_MAX_SLEEP_NANOS} while the loop sleeps (it wakes that often to sweep);
 *       which is also how a dead peer is found.</li>
 *   <li><b>Ports that sync in Java but cannot join</b> (interfaces, monitors; the others when the
 *       set is full):
 *       {@code readyOps} on every iteration, {@code prepareToSleep} only before blocking, their
 *       descriptors in the poll(2) that blocks.</li>
 *   <li><b>Kernel ports</b>, which sync in poll(2): a poll(2) with a zero timeout on each
 *       iteration when few, an epoll set from {@link #EPOLL_THRESHOLD} on (see there).</li>
 * </ul>
 * Only when nothing is ready, no task waits and the loop does not busy-poll does it block: in one
 * poll(2) over the eventfd that other threads write to wake it, the set's descriptor, and the
 * descriptors above, at most until the next scheduled task. Handles are called with a
 * {@link NetmapIoEvent}; the return value counts handles that had I/O, never wakeups or timeouts.
 *
 * <p>A handle's {@linkplain NetmapIoHandle#port() port} is looked at again on every
 * {@link IoRegistration#submit submit}, when the port is synced, and when a mark or the sweep
 * brings it back; a handle that gets its port after registering must submit its interest after
 * that (NetmapChannel does, when it becomes active).
 *
 * <p>The handler holds no thread-bound state, so its loop can be suspended and resumed on another
 * thread ({@link IoHandlerFactory#isChangingThreadSupported()} is true).
 *
 * <pre>{@code
 * EventLoopGroup group = new MultiThreadIoEventLoopGroup(NetmapIoHandler.newFactory());
 * }</pre>
 */
public final class NetmapIoHandler implements IoHandler {
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(NetmapIoHandler.class);

    /**
     * Armed ports the sweep may look at per second. One look costs one to a few microseconds
     * (cache misses on the port's cold indices, and every 200 ms per port an fcntl(2) to see
     * whether its peer lives), so the sweep takes 1-3% of a core however many ports are armed;
     * at 20 000 a second it cost a busy port 5-10% of its rate with 4000 armed ports
     * ({@code LoopOverheadBenchmark}, with and without the sweep).
     */
    static final long SWEEP_LOOKS_PER_SECOND = 10_000;
    /**
     * Looks a busy iteration gives the sweep, after its dispatch: enough to spend the sweep's
     * budget (a busy loop runs tens of thousands of iterations a second), few enough that a busy
     * port waits for no more than a few cold looks.
     */
    static final int MAX_SWEEP_LOOKS_WHEN_BUSY = 2;
    /** While ports are armed, a sleeping loop wakes at least this often to sweep them. */
    static final long MEMBER_MAX_SLEEP_NANOS = 1_000_000_000L;
    /**
     * Kernel ports waiting at once from which an epoll set replaces poll(2) entries (and below
     * half of which poll(2) comes back). poll(2) costs a constant plus a share per descriptor
     * on every call; epoll_wait costs about the constant alone, plus an epoll_ctl when a port's
     * interest changes. Measured with {@code FdWaitBenchmark} (eventfds, one of N ready; README
     * has the command): poll(2) about 390 + 68 N ns, epoll_wait about 590 ns for any N; equal at
     * N = 4, epoll faster from 8 on (570 against 890 ns at 8, against 5200 ns at 64). netmap's
     * own poll callback does more per descriptor than an eventfd's (locks, a sync), which moves
     * the line lower, never higher.
     */
    static final int EPOLL_THRESHOLD = 4;

    private static final long POLLFD_FD = pollfd.fd$offset();
    private static final long POLLFD_EVENTS = pollfd.events$offset();
    private static final long POLLFD_REVENTS = pollfd.revents$offset();
    /** Written by every waker; never changes, so sharing it between threads is safe. */
    private static final MemorySegment ONE = Arena.global().allocateFrom(JAVA_LONG, 1L);
    private static final Registration[] NO_REGISTRATIONS = new Registration[0];

    private final ThreadAwareExecutor executor;
    private final PollCall pollCall;
    private final boolean busyPoll;
    private final long spinNanos;
    private final long nanosPerSweepLook;
    /** System.nanoTime() of the last iteration that handled I/O (only kept while spinNanos > 0). */
    private long lastIoNanos;
    private final int wakeFd;
    /** Scratch for draining the eventfd; touched by the loop thread only. */
    private final MemorySegment drainBuffer = Arena.ofAuto().allocate(JAVA_LONG);
    /**
     * False only while the loop may be blocked in poll(2). A waker that flips it to true writes the
     * eventfd; everyone else sees true and skips the system call.
     */
    private final AtomicBoolean awake = new AtomicBoolean(true);
    /** Guards {@link #wakeFd} against a wakeup racing with {@link #destroy()}. */
    private final Object wakeLock = new Object();
    private boolean destroyed;

    /** Every live registration, for shutdown. */
    private final Roster all = new Roster(0);
    /** Registrations looked at on every iteration: members not armed, ports that cannot join, no port yet. */
    private final Roster active = new Roster(1);
    /** Registrations of ports that sync in poll(2) (kernel ports). */
    private final Roster polled = new Roster(2);

    private ReadySet readySet;
    /** True once making the ready set failed: ports are then waited on without one (logged once). */
    private boolean readySetFailed;
    /** The registration of each member number of the ready set. */
    private Registration[] members = NO_REGISTRATIONS;
    private int memberCount;
    private int armedCount;
    private int sweepCursor;
    private long sweepBudgetNanos;
    private long lastSweepNanos;
    private final IntConsumer markTaker = this::takeMark;

    /** The epoll set of the kernel ports while there are at least EPOLL_THRESHOLD; null otherwise. */
    private EpollSet epoll;

    /** Scratch of one iteration. */
    private int epoch;
    private long now;
    private Registration[] ready = new Registration[16];
    private int readyCount;
    private Registration[] scratch = new Registration[16];
    private MemorySegment pollFds;

    /** Diagnostics for tests: marks taken, sweep looks, and sweep looks that found a port ready. */
    long marksTaken;
    long sweepLooks;
    long sweepFinds;

    private NetmapIoHandler(ThreadAwareExecutor executor, NetmapIoHandlerConfig config) {
        this(executor, config, LibC::poll);
    }

    /** With another poll(2), so that tests can make it fail. */
    NetmapIoHandler(ThreadAwareExecutor executor, NetmapIoHandlerConfig config, PollCall pollCall) {
        this.pollCall = pollCall;
        this.executor = Objects.requireNonNull(executor, "executor");
        this.busyPoll = config.isBusyPoll();
        this.spinNanos = config.getSpinNanos();
        long looks = config.sweepLooksPerSecond();
        this.nanosPerSweepLook = looks <= 0 ? Long.MAX_VALUE : Math.max(1, 1_000_000_000L / looks);
        this.lastIoNanos = System.nanoTime() - spinNanos; // not spinning before the first I/O
        this.lastSweepNanos = System.nanoTime();
        try {
            this.wakeFd = LibC.eventfd(0, NetmapAbi.EFD_NONBLOCK() | NetmapAbi.EFD_CLOEXEC());
        } catch (ErrnoException e) {
            throw new IllegalStateException("cannot create the eventfd that wakes a netmap event loop", e);
        }
        this.pollFds = Arena.ofAuto().allocate(LibC.POLLFD_SIZE * 8, 8);
    }

    /** A factory for loops that block in poll(2) when idle. */
    public static IoHandlerFactory newFactory() {
        return newFactory(new NetmapIoHandlerConfig());
    }

    /**
     * A factory with the given settings (copied now).
     *
     * @throws UnsatisfiedLinkError if netmap cannot be used here (see {@link Netmap#unavailabilityCause()})
     */
    public static IoHandlerFactory newFactory(NetmapIoHandlerConfig config) {
        Netmap.ensureAvailability();
        NetmapIoHandlerConfig copy = Objects.requireNonNull(config, "config").copy();
        return new IoHandlerFactory() {
            @Override
            public IoHandler newHandler(ThreadAwareExecutor executor) {
                return new NetmapIoHandler(executor, copy);
            }

            @Override
            public boolean isChangingThreadSupported() {
                return true;
            }

            @Override
            public String toString() {
                return "NetmapIoHandler.newFactory(" + copy + ")";
            }
        };
    }

    @Override
    public int run(IoHandlerContext context) {
        long now = System.nanoTime();
        this.now = now;
        epoch++;
        readyCount = 0;

        // 1. the ports whose peers marked them
        if (readySet != null) {
            readySet.takeMarked(markTaker);
        }

        // 2. the ports looked at on every iteration; those idle long enough are armed
        Registration[] looked = active.snapshot(scratch);
        scratch = looked;
        int lookedCount = active.size();
        int toArm = 0;
        boolean moved = false;
        for (int i = 0; i < lookedCount; i++) {
            Registration reg = looked[i];
            looked[i] = null;
            if (reg.epoch == epoch) {
                continue; // marked or swept above: synced already
            }
            NetmapPort port = reg.currentPort();
            if (port != reg.port) {
                moved = true;
                reg.moved = true;
                continue; // sorted again below
            }
            if (port == null) {
                continue;
            }
            int r = readyOps(port, reg.ops);
            if (r != 0) {
                addReady(reg, r);
            } else if (reg.member >= 0 && now - reg.lastIoNanos >= spinNanos) {
                looked[toArm++] = reg;
            }
        }
        for (int i = 0; i < toArm; i++) {
            Registration reg = looked[i];
            looked[i] = null;
            arm(reg);
        }
        if (moved) {
            resortMoved();
        }
        if (readyCount == 0 && armedCount > 0) {
            // nothing to do here: the sweep's turn (a busy iteration sweeps after its dispatch)
            sweep(now, Long.MAX_VALUE);
        }

        // 3. sleep only when nothing is ready, no task waits and the loop does not busy-poll; only
        // then are the other ports asked to arrange a wake-up, which costs their peers system calls
        boolean sleep = readyCount == 0 && !busyPoll && context.canBlock();
        if (sleep && spinNanos > 0 && now - lastIoNanos < spinNanos) {
            // Just had I/O: the peer is likely about to move (a receiver about to give slots back,
            // a sender about to publish). Look again on the next iteration instead of announcing a
            // sleep that the peer would have to answer with a write(2) to our doorbell.
            sleep = false;
            Thread.onSpinWait();
        }
        long maxDelay = Long.MAX_VALUE;
        int prepared = 0;
        boolean boardAnnounced = false;
        Registration[] sleepers = scratch;
        if (sleep) {
            sleepers = active.snapshot(sleepers);
            scratch = sleepers;
            int n = active.size();
            for (int i = 0; i < n; i++) {
                Registration reg = sleepers[i];
                sleepers[i] = null;
                NetmapPort port = reg.port;
                if (port == null || reg.member >= 0 || !port.isOpen()) {
                    continue;
                }
                int r = prepareToSleep(port, reg.ops);
                if (r != 0) {
                    addReady(reg, r);
                } else {
                    sleepers[prepared++] = reg;
                    long cap = port.maxPollDelayNanos();
                    if (cap >= 0 && cap < maxDelay) {
                        maxDelay = cap;
                    }
                }
            }
            sleep = readyCount == 0;
            if (sleep && readySet != null) {
                boardAnnounced = readySet.prepareToSleep();
                sleep = boardAnnounced; // else a mark came meanwhile: take it instead of sleeping
            }
            if (armedCount > 0) {
                maxDelay = Math.min(maxDelay, MEMBER_MAX_SLEEP_NANOS);
            }
        }

        // 4. poll(2) to block, to let kernel ports sync, or to see which prepared ports were rung;
        // user ports alone, not sleeping, need no system call at all
        boolean pollFailed = false;
        int polledCount = polled.size();
        boolean viaEpoll = epoll != null;
        if (sleep || prepared > 0 || boardAnnounced || polledCount > 0 && !viaEpoll) {
            int timeout = 0;
            if (sleep) {
                awake.set(false);
                // Checked again after publishing "asleep": a task submitted in between has either
                // been seen here or will find awake == false and write the eventfd.
                if (context.canBlock()) {
                    timeout = timeoutMillis(context, maxDelay);
                }
            }
            int r = pollOnce(sleepers, prepared, boardAnnounced, timeout);
            awake.set(true);
            pollFailed = r < 0;
            // after a failure no port was polled (revents 0), but the prepared ones are still
            // completed below: their peers must not go on waking a loop that is not asleep
            if (boardAnnounced) {
                readySet.completeSleep(pollFailed ? 0 : revents(1));
                readySet.takeMarked(markTaker);
            }
            completePrepared(sleepers, prepared, pollFailed, boardAnnounced ? 2 : 1);
            if (!viaEpoll) {
                completePolled(pollFailed, (boardAnnounced ? 2 : 1) + prepared);
            } else if (!pollFailed && (revents(lastPollSlot) & POLLIN) != 0) {
                waitEpoll();
            }
        } else if (polledCount > 0) {
            waitEpoll(); // kernel ports in epoll, nothing else to poll: one epoll_wait, no poll(2)
        }

        // 5. the handles of the ports that are ready; then, in a busy iteration, a few armed ports
        // that nobody marked, so that the sweep never delays the busy ports
        int handled = dispatch(context);
        if (handled > 0 && armedCount > 0) {
            sweep(now, MAX_SWEEP_LOOKS_WHEN_BUSY);
            handled += dispatch(context);
        }
        if (pollFailed) {
            // Do not spin on a persistent failure; epoll's loop backs off the same way.
            sleepQuietly();
        }
        return handled;
    }

    // ------------------------------------------------------------------ the ready set

    /** A member was marked: if it is armed, bring it back and see what is ready. */
    private void takeMark(int member) {
        marksTaken++;
        Registration reg = member < members.length ? members[member] : null;
        if (reg != null && reg.armed) {
            wake(reg);
        }
    }

    /** Disarms an armed member, syncs it (completePoll), and looks at it on every iteration again. */
    private void wake(Registration reg) {
        int r = disarm(reg);
        reg.epoch = epoch;
        active.add(reg);
        if (r != 0) {
            addReady(reg, r);
        }
    }

    /** completePoll of an armed member, or POLLNVAL if its port was closed meanwhile. */
    private int disarm(Registration reg) {
        reg.armed = false;
        armedCount--;
        return completePoll(reg.port, reg.armedOps, 0);
    }

    /** Arms a member that found nothing: its peer marks it from now on (or it is ready after all). */
    private void arm(Registration reg) {
        int r = prepareToSleep(reg.port, reg.ops);
        if (r != 0) {
            addReady(reg, r);
            return;
        }
        reg.armed = true;
        reg.armedOps = reg.ops;
        armedCount++;
        active.remove(reg);
    }

    /**
     * Looks at a few armed members, as many as the time since the last sweep allows at
     * {@link #SWEEP_LOOKS_PER_SECOND} but at most {@code maxLooks}, round-robin: the safety net
     * for a mark that never came. Credit not used now is kept for later, up to one full round.
     */
    private void sweep(long now, long maxLooks) {
        long elapsed = now - lastSweepNanos;
        lastSweepNanos = now;
        if (nanosPerSweepLook == Long.MAX_VALUE) {
            return; // sweeping switched off (tests)
        }
        // no more credit than one full round: a loop that slept long looks at each port once
        sweepBudgetNanos = Math.min(sweepBudgetNanos + elapsed, nanosPerSweepLook * armedCount);
        long looks = Math.min(maxLooks, sweepBudgetNanos / nanosPerSweepLook);
        if (looks == 0) {
            return;
        }
        sweepBudgetNanos -= looks * nanosPerSweepLook;
        Registration[] regs = members;
        int n = regs.length;
        int cursor = sweepCursor;
        for (int steps = 0; looks > 0 && steps < n && armedCount > 0; steps++) {
            cursor = cursor + 1 >= n ? 0 : cursor + 1;
            Registration reg = regs[cursor];
            if (reg == null || !reg.armed) {
                continue;
            }
            looks--;
            sweepLooks++;
            int r = reg.port.isOpen() ? readyOps(reg.port, reg.armedOps) : POLLNVAL;
            if (r != 0) {
                sweepFinds++;
                wake(reg);
            }
        }
        sweepCursor = cursor;
    }

    /** Joins the ready set if the port can; the set is made when the first port asks. */
    private void join(Registration reg, NetmapPort port) {
        if (readySet == null) {
            if (readySetFailed) {
                return;
            }
            try {
                readySet = port.backend().newReadySet();
            } catch (NetmapException e) {
                readySetFailed = true;
                logger.warn("Cannot make a ready set for {}; its ports are looked at on every loop iteration",
                        port.name(), e);
                return;
            }
            if (readySet == null) {
                return;
            }
        }
        int member = readySet.addMember();
        if (member < 0) {
            return;
        }
        if (!port.joinReadySet(readySet, member)) {
            readySet.removeMember(member);
            if (memberCount == 0) {
                // made for a port that cannot join after all (an interface of the user backend):
                // a loop of such ports keeps no board
                readySet.close();
                readySet = null;
            }
            return;
        }
        if (member >= members.length) {
            members = Arrays.copyOf(members, Math.max(16, Math.max(member + 1, members.length * 2)));
        }
        members[member] = reg;
        reg.member = member;
        memberCount++;
    }

    /** Leaves the ready set (disarming first); the port may be closed already. */
    private void leave(Registration reg) {
        if (reg.armed) {
            disarm(reg);
        }
        if (reg.member >= 0) {
            NetmapPort port = reg.port;
            if (port != null && port.isOpen()) {
                port.leaveReadySet();
            }
            members[reg.member] = null;
            readySet.removeMember(reg.member);
            reg.member = -1;
            memberCount--;
        }
    }

    // ------------------------------------------------------------------ sorting registrations

    /** The registrations whose handle changed its port: sorted again. */
    private void resortMoved() {
        Registration[] regs = active.snapshot(scratch);
        scratch = regs;
        int n = active.size();
        for (int i = 0; i < n; i++) {
            Registration reg = regs[i];
            regs[i] = null;
            if (reg.moved) {
                reg.moved = false;
                sort(reg);
            }
        }
    }

    /**
     * Puts a registration where its interest and port say: nowhere (no interest), in the ready
     * set (joining it if needed), among the kernel ports, or among those looked at every time.
     * Called on submit, on cancel and when the handle's port changed; loop thread only.
     */
    private void sort(Registration reg) {
        NetmapPort port = reg.valid && reg.ops != 0 ? reg.currentPort() : null;
        if (reg.armed) {
            disarm(reg); // interest or port changed: synced again below with the new interest
        }
        if (port != reg.port) {
            leave(reg);
            leavePolled(reg);
            reg.port = port;
        }
        if (!reg.valid || reg.ops == 0) {
            leave(reg);
            leavePolled(reg);
            active.remove(reg);
            return;
        }
        if (port != null && port.needsPollToSync()) {
            active.remove(reg);
            if (polled.contains(reg)) {
                updateEpoll(reg);
            } else {
                polled.add(reg);
                afterPolledChange(reg, true);
            }
            return;
        }
        if (port != null && reg.member < 0) {
            join(reg, port);
        }
        reg.lastIoNanos = now - spinNanos; // may be armed as soon as it finds nothing
        active.add(reg);
    }

    private void leavePolled(Registration reg) {
        if (polled.contains(reg)) {
            if (epoll != null && reg.port != null && reg.port.isOpen()) {
                epoll.remove(reg.port.fd());
            }
            Registration shifted = polled.remove(reg);
            if (epoll != null && shifted != null) {
                renumberEpoll(shifted); // its slot is the epoll data: tell the kernel the new one
            }
            afterPolledChange(reg, false);
        }
    }

    /** Moves the kernel ports into an epoll set when there are enough of them, and back when few. */
    private void afterPolledChange(Registration reg, boolean added) {
        int n = polled.size();
        if (epoll == null && n >= EPOLL_THRESHOLD) {
            try {
                epoll = new EpollSet();
            } catch (ErrnoException e) {
                logger.warn("Cannot make an epoll set for {} kernel ports; polling them with poll(2)", n, e);
                return;
            }
            Registration[] regs = polled.snapshot(NO_REGISTRATIONS);
            for (int i = 0; i < n; i++) {
                addEpoll(regs[i]);
            }
        } else if (epoll != null && n < EPOLL_THRESHOLD / 2) {
            Registration[] regs = polled.snapshot(NO_REGISTRATIONS);
            for (int i = 0; i < n; i++) {
                if (regs[i].port.isOpen()) {
                    epoll.remove(regs[i].port.fd());
                }
            }
            epoll.close();
            epoll = null;
        } else if (epoll != null && added) {
            addEpoll(reg);
        }
    }

    private void addEpoll(Registration reg) {
        try {
            epoll.ensureCapacity(polled.size());
            epoll.add(reg.port.fd(), reg.port.pollEvents(reg.ops), reg.index(polled));
            reg.epollOps = reg.ops;
        } catch (ErrnoException e) {
            reg.epollOps = -1; // reported as POLLERR on the next iteration
        }
    }

    private void updateEpoll(Registration reg) {
        if (epoll == null || reg.epollOps == reg.ops) {
            return;
        }
        renumberEpoll(reg);
    }

    private void renumberEpoll(Registration reg) {
        if (!reg.port.isOpen()) {
            return; // the kernel dropped it from the set; it leaves the roster soon
        }
        try {
            epoll.modify(reg.port.fd(), reg.port.pollEvents(reg.ops), reg.index(polled));
            reg.epollOps = reg.ops;
        } catch (ErrnoException e) {
            reg.epollOps = -1;
        }
    }

    // ------------------------------------------------------------------ poll(2) and epoll

    /** The pollfd slot of the kernel ports' epoll set in the last poll, or -1. */
    private int lastPollSlot = -1;

    /**
     * Fills the pollfd array and calls poll(2): slot 0 the eventfd, slot 1 the ready set when
     * announced, then the prepared ports, then the kernel ports (or their epoll set).
     *
     * @return what poll(2) returned (0 when interrupted), or -1 after a failure that was logged
     */
    private int pollOnce(Registration[] sleepers, int prepared, boolean boardAnnounced, int timeout) {
        int kernel = epoll != null ? 1 : polled.size();
        long needed = LibC.POLLFD_SIZE * (2L + prepared + kernel);
        if (pollFds.byteSize() < needed) {
            pollFds = Arena.ofAuto().allocate(Math.max(needed, pollFds.byteSize() * 2), 8);
        }
        MemorySegment fds = pollFds;
        int count = 0;
        count = setPollFd(fds, count, wakeFd, POLLIN);
        if (boardAnnounced) {
            count = setPollFd(fds, count, readySet.fd(), POLLIN);
        }
        for (int i = 0; i < prepared; i++) {
            Registration reg = sleepers[i];
            count = setPollFd(fds, count, reg.port.fd(), reg.port.pollEvents(reg.ops));
        }
        lastPollSlot = -1;
        if (epoll != null) {
            lastPollSlot = count;
            count = setPollFd(fds, count, epoll.fd(), POLLIN);
        } else {
            Registration[] regs = polled.array();
            for (int i = 0, n = polled.size(); i < n; i++) {
                Registration reg = regs[i];
                count = setPollFd(fds, count, reg.port.isOpen() ? reg.port.fd() : -1, reg.port.pollEvents(reg.ops));
            }
        }
        int r = pollCall.poll(fds, count, timeout);
        if (r < 0) {
            if (r != -Errno.EINTR) {
                logger.warn("poll(2) over {} netmap descriptors failed with errno {}", count - 1, -r);
            }
            for (int i = 0; i < count; i++) {
                fds.set(JAVA_SHORT, (long) i * LibC.POLLFD_SIZE + POLLFD_REVENTS, (short) 0);
            }
            return r == -Errno.EINTR ? 0 : -1;
        }
        if (r > 0 && (revents(0) & POLLIN) != 0) {
            // poll(2) is level-triggered: the counter must be read back to zero or every later
            // poll returns at once.
            LibC.read(wakeFd, drainBuffer, 8);
        }
        return r;
    }

    private static int setPollFd(MemorySegment fds, int slot, int fd, int events) {
        long base = (long) slot * LibC.POLLFD_SIZE;
        fds.set(JAVA_INT, base + POLLFD_FD, fd);
        fds.set(JAVA_SHORT, base + POLLFD_EVENTS, (short) events);
        fds.set(JAVA_SHORT, base + POLLFD_REVENTS, (short) 0);
        return slot + 1;
    }

    private int revents(int slot) {
        if (slot < 0) {
            return 0;
        }
        return Short.toUnsignedInt(pollFds.get(JAVA_SHORT, (long) slot * LibC.POLLFD_SIZE + POLLFD_REVENTS));
    }

    /** completePoll for the ports prepared before the poll, whose pollfds start at {@code first}. */
    private void completePrepared(Registration[] sleepers, int prepared, boolean pollFailed, int first) {
        for (int i = 0; i < prepared; i++) {
            Registration reg = sleepers[i];
            sleepers[i] = null;
            int events = completePoll(reg.port, reg.ops, pollFailed ? 0 : revents(first + i));
            if (events != 0) {
                addReady(reg, events);
            }
        }
    }

    /** completePoll for the kernel ports polled with poll(2), whose pollfds start at {@code first}. */
    private void completePolled(boolean pollFailed, int first) {
        Registration[] regs = polled.array();
        for (int i = 0, n = polled.size(); i < n; i++) {
            Registration reg = regs[i];
            int events = completePoll(reg.port, reg.ops, pollFailed ? 0 : revents(first + i));
            if (events != 0) {
                addReady(reg, events);
            }
        }
    }

    /** epoll_wait with a zero timeout over the kernel ports; completePoll for those it reports. */
    private void waitEpoll() {
        Registration[] regs = polled.array();
        int n = polled.size();
        for (int i = 0; i < n; i++) {
            if (regs[i].epollOps == -1) {
                addReady(regs[i], POLLERR); // could not be added: let its owner find out
            }
        }
        int r = epoll.wait(0);
        if (r < 0) {
            if (r != -Errno.EINTR) {
                logger.warn("epoll_wait over {} netmap kernel ports failed with errno {}", n, -r);
            }
            return;
        }
        for (int i = 0; i < r; i++) {
            int slot = epoll.slot(i);
            if (slot < 0 || slot >= n) {
                continue;
            }
            Registration reg = regs[slot];
            int events = completePoll(reg.port, reg.ops, epoll.events(i));
            if (events != 0) {
                addReady(reg, events);
            }
        }
    }

    // ------------------------------------------------------------------ the four steps, failures as events

    /**
     * The steps of {@link NetmapPort}'s protocol with their failures turned into events: a port
     * that fails reports POLLERR (its owner then finds out through its own sync, which throws the
     * same failure), one closed meanwhile POLLNVAL.
     */
    private static int readyOps(NetmapPort port, int ops) {
        try {
            return port.readyOps(ops);
        } catch (NetmapException e) {
            return POLLERR;
        }
    }

    private static int prepareToSleep(NetmapPort port, int ops) {
        try {
            return port.prepareToSleep(ops);
        } catch (NetmapException e) {
            return POLLERR;
        }
    }

    private static int completePoll(NetmapPort port, int ops, int revents) {
        if (!port.isOpen()) {
            return POLLNVAL;
        }
        try {
            return port.completePoll(ops, revents);
        } catch (NetmapException e) {
            return POLLERR;
        }
    }

    // ------------------------------------------------------------------ dispatch

    private void addReady(Registration reg, int events) {
        reg.epoch = epoch;
        if (reg.readyEpoch == epoch) {
            reg.events |= events;
            return;
        }
        reg.readyEpoch = epoch;
        reg.events = events;
        if (readyCount == ready.length) {
            ready = Arrays.copyOf(ready, readyCount * 2);
        }
        ready[readyCount++] = reg;
    }

    private int dispatch(IoHandlerContext context) {
        int n = readyCount;
        if (n == 0) {
            return 0;
        }
        Registration[] regs = ready;
        int handled = 0;
        long start = context.shouldReportActiveIoTime() ? System.nanoTime() : 0;
        for (int i = 0; i < n; i++) {
            Registration reg = regs[i];
            regs[i] = null;
            int events = reg.events;
            reg.lastIoNanos = now;
            if (reg.valid) {
                handled++;
                try {
                    reg.handle.handle(reg, NetmapIoEvent.of(events));
                } catch (Throwable t) {
                    NetmapPort port = reg.port;
                    logger.warn("Unexpected exception while handling {} on {}", NetmapIoEvent.of(events),
                            port == null ? reg.handle : port.name(), t);
                }
            }
        }
        readyCount = 0;
        if (handled > 0) {
            long after = spinNanos > 0 || start != 0 ? System.nanoTime() : 0;
            if (spinNanos > 0) {
                lastIoNanos = after;
            }
            if (start != 0) {
                context.reportActiveIoTime(after - start);
            }
        }
        return handled;
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * How long poll(2) may block: until the next scheduled task (forever when none), but no longer
     * than {@code maxDelay} (the ports' {@link NetmapPort#maxPollDelayNanos()}, the sweep's bound).
     */
    private static int timeoutMillis(IoHandlerContext context, long maxDelay) {
        long delay = context.deadlineNanos() == -1 ? Long.MAX_VALUE : context.delayNanos(System.nanoTime());
        delay = Math.min(delay, maxDelay);
        if (delay == Long.MAX_VALUE) {
            return -1; // nothing scheduled, no port asks for a bound: sleep until a wakeup or I/O
        }
        if (delay <= 0) {
            return 0;
        }
        // Round up: waking a fraction of a millisecond early would only spin until the deadline.
        long millis = TimeUnit.NANOSECONDS.toMillis(delay + 999_999);
        return (int) Math.min(millis, Integer.MAX_VALUE);
    }

    // ------------------------------------------------------------------ IoHandler

    @Override
    public void wakeup() {
        if (!executor.isExecutorThread(Thread.currentThread()) && !awake.getAndSet(true)) {
            synchronized (wakeLock) {
                if (!destroyed) {
                    LibC.write(wakeFd, ONE, 8);
                }
            }
        }
    }

    @Override
    public IoRegistration register(IoHandle handle) {
        if (!(handle instanceof NetmapIoHandle netmapHandle)) {
            throw new IllegalArgumentException("a NetmapIoHandler can only register a NetmapIoHandle, not "
                    + (handle == null ? "null" : handle.getClass().getName()));
        }
        Registration reg = new Registration(netmapHandle);
        all.add(reg);
        netmapHandle.registered();
        return reg;
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return NetmapIoHandle.class.isAssignableFrom(handleType);
    }

    @Override
    public void prepareToDestroy() {
        Registration[] regs = all.snapshot(NO_REGISTRATIONS);
        for (int i = 0, n = all.size(); i < n; i++) {
            Registration reg = regs[i];
            reg.cancel();
            try {
                reg.handle.close();
            } catch (Exception e) {
                logger.warn("Failed to close {} while shutting down its event loop", reg.handle, e);
            }
        }
    }

    @Override
    public void destroy() {
        // SingleThreadIoEventLoop skips prepareToDestroy() when shutdown is requested between its
        // isShuttingDown() check and confirmShutdown(); close what is left here so no port stays mapped.
        prepareToDestroy();
        if (readySet != null) {
            readySet.close();
            readySet = null;
        }
        if (epoll != null) {
            epoll.close();
            epoll = null;
        }
        synchronized (wakeLock) {
            if (!destroyed) {
                destroyed = true;
                LibC.closeQuietly(wakeFd);
            }
        }
    }

    /** Number of live registrations (for tests and diagnostics; loop thread only). */
    int registrationCount() {
        return all.size();
    }

    /** Members of the ready set armed now, waiting for a mark (for tests; loop thread only). */
    int armedCount() {
        return armedCount;
    }

    /** Registrations looked at on every iteration (for tests; loop thread only). */
    int activeCount() {
        return active.size();
    }

    /** True while the kernel ports are waited on through an epoll set (for tests; loop thread only). */
    boolean usesEpoll() {
        return epoll != null;
    }

    /** The ready set, or null before the first port joined one (for tests; loop thread only). */
    ReadySet readySet() {
        return readySet;
    }

    /** poll(2): the pollfd array, how many entries, the timeout in ms; returns the result or -errno. */
    @FunctionalInterface
    interface PollCall {
        int poll(MemorySegment fds, int count, int timeoutMillis);
    }

    /**
     * An unordered set of registrations in an array, with O(1) add, remove and contains: each
     * registration keeps its index in each of the (few) rosters it can be in.
     */
    private static final class Roster {
        private final int which;
        private Registration[] regs = new Registration[16];
        private int size;

        Roster(int which) {
            this.which = which;
        }

        int size() {
            return size;
        }

        boolean contains(Registration reg) {
            return reg.indexIn[which] >= 0;
        }

        void add(Registration reg) {
            if (reg.indexIn[which] >= 0) {
                return;
            }
            if (size == regs.length) {
                regs = Arrays.copyOf(regs, size * 2);
            }
            reg.indexIn[which] = size;
            regs[size++] = reg;
        }

        /** Removes {@code reg}; returns the registration moved into its place, or null. */
        Registration remove(Registration reg) {
            int i = reg.indexIn[which];
            if (i < 0) {
                return null;
            }
            Registration last = regs[--size];
            regs[i] = last;
            last.indexIn[which] = i;
            regs[size] = null;
            reg.indexIn[which] = -1;
            return last == reg ? null : last;
        }

        /** The backing array: valid up to size(), and only until the roster changes. */
        Registration[] array() {
            return regs;
        }

        /** Copies the members into {@code into} (grown if needed) and returns it. */
        Registration[] snapshot(Registration[] into) {
            if (into.length < size) {
                into = new Registration[Math.max(size, into.length * 2)];
            }
            System.arraycopy(regs, 0, into, 0, size);
            return into;
        }
    }

    private final class Registration implements IoRegistration {
        final NetmapIoHandle handle;
        /** poll(2) mask of interest; written and read on the loop thread. */
        int ops;
        volatile boolean valid = true;
        /** The port this registration is sorted by (joined the ready set with, or polled). */
        NetmapPort port;
        /** Number in the ready set, or -1. */
        int member = -1;
        /** Armed: prepared to sleep, waiting for a mark; {@link #armedOps} was the interest then. */
        boolean armed;
        int armedOps;
        /** Interest registered in the epoll set (-1: adding failed). */
        int epollOps;
        /** Index in each roster (all, active, polled), -1 when not in it. */
        final int[] indexIn = {-1, -1, -1};
        /** System.nanoTime() of the iteration that last found this port ready. */
        long lastIoNanos;
        /** The iteration that last synced this port (mark, sweep, or its turn). */
        int epoch;
        /** The iteration that last found it ready, and what. */
        int readyEpoch;
        int events;
        /** Its handle's port changed; sorted again after the current pass. */
        boolean moved;

        Registration(NetmapIoHandle handle) {
            this.handle = handle;
        }

        /** The handle's port if it is open, else null. */
        NetmapPort currentPort() {
            NetmapPort p = handle.port();
            return p != null && p.isOpen() ? p : null;
        }

        int index(Roster roster) {
            return indexIn[roster.which];
        }

        @SuppressWarnings("unchecked")
        @Override
        public <T> T attachment() {
            return null;
        }

        @Override
        public long submit(IoOps ops) {
            if (!(ops instanceof NetmapIoOps netmapOps)) {
                throw new IllegalArgumentException("a netmap registration takes NetmapIoOps, not " + ops);
            }
            if (!valid) {
                throw new IllegalStateException("the registration of " + handle + " was cancelled");
            }
            int value = netmapOps.value();
            if (executor.isExecutorThread(Thread.currentThread())) {
                setOps(value);
            } else {
                // Interest is loop-confined; hop over and let the task wake the loop.
                executor.execute(() -> setOps(value));
            }
            return 0;
        }

        private void setOps(int value) {
            if (!valid) {
                return;
            }
            boolean samePort = port != null && handle.port() == port && port.isOpen();
            if (value == ops && samePort) {
                return;
            }
            if (samePort && !armed && value != 0 && ops != 0 && !polled.contains(this)) {
                ops = value; // a busy port changing what it waits for: nothing to move
                return;
            }
            ops = value;
            if (now == 0) {
                now = System.nanoTime();
            }
            sort(this);
        }

        @Override
        public boolean isValid() {
            return valid;
        }

        @Override
        public boolean cancel() {
            if (!valid) {
                return false;
            }
            valid = false;
            if (executor.isExecutorThread(Thread.currentThread())) {
                remove();
            } else {
                executor.execute(this::remove);
            }
            return true;
        }

        private void remove() {
            all.remove(this);
            sort(this); // not valid: leaves the ready set and the rosters
            handle.unregistered();
        }

        @Override
        public String toString() {
            return "NetmapIoHandler.Registration(" + handle + ", " + NetmapIoOps.valueOf(ops & 0x5)
                    + (armed ? ", armed" : "") + ")";
        }
    }
}
