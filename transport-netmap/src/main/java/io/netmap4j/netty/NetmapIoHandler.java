package io.netmap4j.netty;

import io.netmap4j.abi.ErrnoException;
import io.netmap4j.abi.Errno;
import io.netmap4j.abi.LibC;
import io.netmap4j.abi.gen.NetmapAbi;
import io.netmap4j.abi.gen.pollfd;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.netmap4j.abi.NetmapConstants.POLLERR;
import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.abi.NetmapConstants.POLLNVAL;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Netty 4.2 {@link IoHandler} that waits on netmap ports with one poll(2) over every registered
 * port plus an eventfd that other threads write to wake the loop.
 *
 * <p>Each iteration follows {@link NetmapPort}'s four-step protocol for every port with
 * interest: {@code readyOps} (for the user backend this already syncs, so a busy port is handled
 * without any system call). Only when no port is ready, no task waits and the loop does not
 * busy-poll does it {@code prepareToSleep} on the ports and block in one poll(2), at most until
 * the next scheduled task. Otherwise it calls poll(2) with a zero timeout only if some waiting
 * port {@linkplain NetmapPort#needsPollToSync() needs it to sync} (kernel ports), and not at all
 * for user ports alone: a busy loop returns at once, and Netty runs its tasks. Then
 * {@code completePoll} for the ports that were polled or prepared. Handles are called with a
 * {@link NetmapIoEvent}; the return value counts handles that had I/O, never wakeups or timeouts.
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

    private static final long POLLFD_FD = pollfd.fd$offset();
    private static final long POLLFD_EVENTS = pollfd.events$offset();
    private static final long POLLFD_REVENTS = pollfd.revents$offset();
    /** Written by every waker; never changes, so sharing it between threads is safe. */
    private static final MemorySegment ONE = Arena.global().allocateFrom(JAVA_LONG, 1L);

    private final ThreadAwareExecutor executor;
    private final PollCall pollCall;
    private final boolean busyPoll;
    private final long spinNanos;
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

    private final List<Registration> registrations = new ArrayList<>();
    private Registration[] snapshot = new Registration[0];
    private boolean dirty;
    private NetmapPort[] ports = new NetmapPort[0];
    private int[] ready = new int[0];
    private int[] pollSlot = new int[0];
    /** Ports that announced a sleep (prepareToSleep returned 0) and so must be completed. */
    private boolean[] prepared = new boolean[0];
    private MemorySegment pollFds;

    private NetmapIoHandler(ThreadAwareExecutor executor, NetmapIoHandlerConfig config) {
        this(executor, config, LibC::poll);
    }

    /** With another poll(2), so that tests can make it fail. */
    NetmapIoHandler(ThreadAwareExecutor executor, NetmapIoHandlerConfig config, PollCall pollCall) {
        this.pollCall = pollCall;
        this.executor = Objects.requireNonNull(executor, "executor");
        this.busyPoll = config.isBusyPoll();
        this.spinNanos = config.getSpinNanos();
        this.lastIoNanos = System.nanoTime() - spinNanos; // not spinning before the first I/O
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
        if (dirty) {
            rebuild();
        }
        Registration[] regs = snapshot;
        int n = regs.length;
        NetmapPort[] ports = this.ports;
        int[] ready = this.ready;
        boolean[] prepared = this.prepared;
        int readyCount = 0;
        boolean pollToSync = false;
        boolean pollFailed = false;
        for (int i = 0; i < n; i++) {
            Registration reg = regs[i];
            NetmapPort port = reg.ops == 0 || !reg.valid ? null : reg.handle.port();
            if (port != null && !port.isOpen()) {
                port = null;
            }
            ports[i] = port;
            ready[i] = 0;
            prepared[i] = false;
            pollSlot[i] = -1;
            if (port != null) {
                int r;
                try {
                    r = port.readyOps(reg.ops);
                } catch (NetmapException e) {
                    // Let the owner find out through its own sync, which will throw the same failure.
                    r = POLLERR;
                }
                ready[i] = r;
                if (r != 0) {
                    readyCount++;
                } else if (port.needsPollToSync()) {
                    pollToSync = true;
                }
            }
        }

        // Sleep only when nothing is ready, no task waits and the loop does not busy-poll; only
        // then are the ports asked to arrange a wake-up, which costs their peers system calls.
        boolean sleep = readyCount == 0 && !busyPoll && context.canBlock();
        if (sleep && spinNanos > 0 && System.nanoTime() - lastIoNanos < spinNanos) {
            // Just had I/O: the peer is likely about to move (a receiver about to give slots back,
            // a sender about to publish). Look again on the next iteration instead of announcing a
            // sleep that the peer would have to answer with a write(2) to our doorbell.
            sleep = false;
            Thread.onSpinWait();
        }
        long maxDelay = Long.MAX_VALUE;
        if (sleep) {
            for (int i = 0; i < n; i++) {
                NetmapPort port = ports[i];
                if (port == null) {
                    continue;
                }
                int r;
                try {
                    r = port.prepareToSleep(regs[i].ops);
                } catch (NetmapException e) {
                    r = POLLERR;
                }
                if (r != 0) {
                    ready[i] = r;
                    readyCount++;
                } else {
                    prepared[i] = true;
                    long cap = port.maxPollDelayNanos();
                    if (cap >= 0 && cap < maxDelay) {
                        maxDelay = cap;
                    }
                }
            }
            sleep = readyCount == 0;
        }

        // poll(2) to block, to let kernel ports sync, or to see which prepared ports were rung;
        // user ports alone, not sleeping, need no system call at all.
        if (sleep || pollToSync || readyCount != 0 && anyPrepared(n)) {
            int timeout = 0;
            if (sleep) {
                awake.set(false);
                // Checked again after publishing "asleep": a task submitted in between has either
                // been seen here or will find awake == false and write the eventfd.
                if (context.canBlock()) {
                    timeout = timeoutMillis(context, maxDelay);
                }
            }
            pollFailed = pollOnce(regs, n, timeout) < 0;
            awake.set(true);
            // after a failure no port was polled (revents 0), but the prepared ones are still
            // completed below: their peers must not go on waking a loop that is not asleep
        }

        int handled = 0;
        long start = context.shouldReportActiveIoTime() ? System.nanoTime() : 0;
        for (int i = 0; i < n; i++) {
            NetmapPort port = ports[i];
            if (port == null) {
                continue;
            }
            ports[i] = null;
            Registration reg = regs[i];
            int events = ready[i];
            if (events == 0 && (prepared[i] || pollSlot[i] >= 0)) {
                int slot = pollSlot[i];
                int revents = slot < 0 ? 0 : Short.toUnsignedInt(pollFds.get(JAVA_SHORT,
                        (long) slot * LibC.POLLFD_SIZE + POLLFD_REVENTS));
                try {
                    events = port.isOpen() ? port.completePoll(reg.ops, revents) : POLLNVAL;
                } catch (NetmapException e) {
                    events = POLLERR;
                }
            }
            if (events != 0 && reg.valid) {
                handled++;
                try {
                    reg.handle.handle(reg, NetmapIoEvent.of(events));
                } catch (Throwable t) {
                    logger.warn("Unexpected exception while handling {} on {}", NetmapIoEvent.of(events), port.name(), t);
                }
            }
        }
        if (handled > 0) {
            long now = spinNanos > 0 || start != 0 ? System.nanoTime() : 0;
            if (spinNanos > 0) {
                lastIoNanos = now;
            }
            if (start != 0) {
                context.reportActiveIoTime(now - start);
            }
        }
        if (pollFailed) {
            // Do not spin on a persistent failure; epoll's loop backs off the same way.
            sleepQuietly();
        }
        return handled;
    }

    /**
     * Fills the pollfd array (slot 0 is the eventfd) and calls poll(2).
     *
     * @return what poll(2) returned (0 when interrupted), or -1 after a failure that was logged
     */
    private int pollOnce(Registration[] regs, int n, int timeout) {
        MemorySegment fds = pollFds;
        fds.set(JAVA_INT, POLLFD_FD, wakeFd);
        fds.set(JAVA_SHORT, POLLFD_EVENTS, (short) POLLIN);
        fds.set(JAVA_SHORT, POLLFD_REVENTS, (short) 0);
        int count = 1;
        for (int i = 0; i < n; i++) {
            NetmapPort port = ports[i];
            if (port == null || ready[i] != 0 || !prepared[i] && !port.needsPollToSync()) {
                pollSlot[i] = -1;
                continue;
            }
            long base = (long) count * LibC.POLLFD_SIZE;
            fds.set(JAVA_INT, base + POLLFD_FD, port.fd());
            fds.set(JAVA_SHORT, base + POLLFD_EVENTS, (short) port.pollEvents(regs[i].ops));
            fds.set(JAVA_SHORT, base + POLLFD_REVENTS, (short) 0);
            pollSlot[i] = count++;
        }
        int r = pollCall.poll(fds, count, timeout);
        if (r < 0) {
            if (r != -Errno.EINTR) {
                logger.warn("poll(2) over {} netmap ports failed with errno {}", count - 1, -r);
            }
            for (int i = 0; i < n; i++) {
                pollSlot[i] = -1;
            }
            return r == -Errno.EINTR ? 0 : -1;
        }
        if (r > 0 && fds.get(JAVA_SHORT, POLLFD_REVENTS) != 0) {
            // poll(2) is level-triggered: the counter must be read back to zero or every later
            // poll returns at once.
            LibC.read(wakeFd, drainBuffer, 8);
        }
        return r;
    }

    private boolean anyPrepared(int n) {
        for (int i = 0; i < n; i++) {
            if (prepared[i]) {
                return true;
            }
        }
        return false;
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
     * than the shortest {@link NetmapPort#maxPollDelayNanos()} of the ports waited on.
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

    private void rebuild() {
        dirty = false;
        snapshot = registrations.toArray(new Registration[0]);
        int n = snapshot.length;
        if (ports.length < n) {
            ports = new NetmapPort[n];
            ready = new int[n];
            pollSlot = new int[n];
            prepared = new boolean[n];
        }
        long needed = LibC.POLLFD_SIZE * (n + 1);
        if (pollFds.byteSize() < needed) {
            pollFds = Arena.ofAuto().allocate(Math.max(needed, pollFds.byteSize() * 2), 8);
        }
    }

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
        registrations.add(reg);
        dirty = true;
        netmapHandle.registered();
        return reg;
    }

    @Override
    public boolean isCompatible(Class<? extends IoHandle> handleType) {
        return NetmapIoHandle.class.isAssignableFrom(handleType);
    }

    @Override
    public void prepareToDestroy() {
        for (Registration reg : registrations.toArray(new Registration[0])) {
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
        synchronized (wakeLock) {
            if (!destroyed) {
                destroyed = true;
                LibC.closeQuietly(wakeFd);
            }
        }
    }

    /** Number of live registrations (for tests and diagnostics; loop thread only). */
    int registrationCount() {
        return registrations.size();
    }

    /** poll(2): the pollfd array, how many entries, the timeout in ms; returns the result or -errno. */
    @FunctionalInterface
    interface PollCall {
        int poll(MemorySegment fds, int count, int timeoutMillis);
    }

    private final class Registration implements IoRegistration {
        final NetmapIoHandle handle;
        /** poll(2) mask of interest; written and read on the loop thread. */
        int ops;
        volatile boolean valid = true;

        Registration(NetmapIoHandle handle) {
            this.handle = handle;
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
                this.ops = value;
            } else {
                // Interest is loop-confined; hop over and let the task wake the loop.
                executor.execute(() -> this.ops = value);
            }
            return 0;
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
            registrations.remove(this);
            dirty = true;
            handle.unregistered();
        }

        @Override
        public String toString() {
            return "NetmapIoHandler.Registration(" + handle + ", " + NetmapIoOps.valueOf(ops & 0x5) + ")";
        }
    }
}
