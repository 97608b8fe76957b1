package io.netmap4j.core;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.LibC;
import io.netmap4j.abi.gen.netmap_if;
import io.netmap4j.abi.gen.netmap_ring;
import io.netmap4j.abi.gen.pollfd;
import io.netmap4j.spec.PortSpec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.netmap4j.abi.NetmapConstants.POLLERR;
import static io.netmap4j.abi.NetmapConstants.POLLHUP;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * One registered netmap port: its memory region, the rings this descriptor is bound to, its
 * extra buffers, a pollable file descriptor, and the two syncs. What libnetmap calls an
 * {@code nmport_d}, for every backend.
 *
 * <p>Threading follows netmap: a ring may be used and synced by one thread at a time. The port
 * itself holds no lock; {@link #close()} must not race with a sync.
 *
 * <h2>Waiting for readiness</h2>
 * An event loop that polls many ports does, for each port, what netmap's own poll does inside
 * the kernel, in four steps that work for every backend:
 * <ol>
 *   <li>{@link #readyOps(int)} runs the syncs a poll would and returns the operations that are
 *       ready now (0 when none, or when only poll(2) can tell). It tells nobody anything, so a
 *       busy-polling loop calls only this, as often as it likes;</li>
 *   <li>only when the loop is really about to block (no port ready, no task to run, not
 *       busy-polling), {@link #prepareToSleep(int)} on each port that found nothing: the port
 *       arranges to be woken and looks once more. A non-zero result means it is ready after all
 *       (and arranged nothing); 0 means the loop may block;</li>
 *   <li>the loop calls poll(2) on {@link #fd()} for {@link #pollEvents(int)}: blocking after
 *       step 2, or with a zero timeout for the ports that {@link #needsPollToSync()};</li>
 *   <li>{@link #completePoll(int, int)} turns what poll(2) returned into ready operations, and
 *       undoes step 2. It must follow every {@code prepareToSleep} that returned 0, also when
 *       the loop did not block after all or poll(2) failed (then with {@code revents} 0).</li>
 * </ol>
 * For the kernel backend steps 1 and 2 do nothing and poll(2) runs the syncs. For the user
 * backend step 1 runs the syncs in Java, step 2 tells the peer in shared memory that this side
 * sleeps (so that the peer makes a system call to wake it), and poll(2) is needed only to sleep.
 *
 * <p>A loop that waits on many ports can have them {@linkplain #joinReadySet join a ready set}:
 * step 2 then asks the peer to mark the port in the set rather than to make {@link #fd()}
 * readable, and the loop looks only at the ports marked (see {@link ReadySet}).
 */
public abstract class NetmapPort implements AutoCloseable {
    private static final long NI_BUFS_HEAD = netmap_if.ni_bufs_head$offset();

    private final PortSpec spec;
    private final NetmapBackend backend;
    private final MemorySegment region;
    private final MemorySegment nifp;
    private final int memId;
    private final int extraBuffers;
    private final NetmapRing[] txRings;
    private final NetmapRing[] rxRings;
    private final MemorySegment pollFd = Arena.ofAuto().allocate(LibC.POLLFD_SIZE, 8);
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * Builds the view of a registered port.
     *
     * @param region       the mapped memory region
     * @param nifpOffset   offset of this descriptor's {@code netmap_if} in the region
     * @param memId        the region's id ({@code nr_mem_id})
     * @param extraBuffers extra buffers granted ({@code nr_extra_bufs} out)
     * @throws IllegalArgumentException if the {@code netmap_if} or a ring does not fit the region
     */
    protected NetmapPort(PortSpec spec, NetmapBackend backend, MemorySegment region, long nifpOffset,
                         int memId, int extraBuffers) {
        this.spec = spec;
        this.backend = backend;
        this.region = region;
        this.memId = memId;
        this.extraBuffers = extraBuffers;
        long headerSize = netmap_if.layout().byteSize();
        if (nifpOffset < 0 || nifpOffset + headerSize > region.byteSize()) {
            throw new IllegalArgumentException("netmap_if offset " + nifpOffset + " outside the region");
        }
        int tx = region.get(JAVA_INT, nifpOffset + netmap_if.ni_tx_rings$offset());
        int rx = region.get(JAVA_INT, nifpOffset + netmap_if.ni_rx_rings$offset());
        int hostTx = region.get(JAVA_INT, nifpOffset + netmap_if.ni_host_tx_rings$offset());
        int hostRx = region.get(JAVA_INT, nifpOffset + netmap_if.ni_host_rx_rings$offset());
        long entries = (long) tx + hostTx + rx + hostRx;
        if (tx < 0 || rx < 0 || hostTx < 0 || hostRx < 0 || entries > 0x10000
                || nifpOffset + headerSize + entries * 8 > region.byteSize()) {
            throw new IllegalArgumentException("netmap_if describes " + entries + " rings, more than the region holds");
        }
        this.nifp = region.asSlice(nifpOffset, headerSize + entries * 8);
        this.txRings = boundRings(0, tx + hostTx, true);
        this.rxRings = boundRings(tx + hostTx, rx + hostRx, false);
    }

    /** The rings of one direction with a non-zero {@code ring_ofs}: those this descriptor is bound to. */
    private NetmapRing[] boundRings(int firstEntry, int count, boolean tx) {
        List<NetmapRing> rings = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long ofs = nifp.get(JAVA_LONG, netmap_if.layout().byteSize() + 8L * (firstEntry + i));
            if (ofs != 0) {
                long ringOffset = nifp.address() - region.address() + ofs;
                if (ringOffset < 0 || ringOffset > region.byteSize() - netmap_ring.layout().byteSize()) {
                    // checked before the ring id is read from it (NetmapRing checks the rest)
                    throw new IllegalArgumentException("ring_ofs " + ofs + " of netmap_if entry " + (firstEntry + i)
                            + " points outside the region");
                }
                int ringId = Short.toUnsignedInt(region.get(JAVA_SHORT, ringOffset + NetmapRing.RINGID));
                rings.add(new NetmapRing(region, ringOffset, ringId, tx));
            }
        }
        return rings.toArray(new NetmapRing[0]);
    }

    /** The parsed name this port was opened with. */
    public final PortSpec spec() {
        return spec;
    }

    /** The name this port was opened with, for example {@code netmap:eth0-1}. */
    public final String name() {
        return spec.toString();
    }

    /** The backend that opened this port. */
    public final NetmapBackend backend() {
        return backend;
    }

    /** The whole mapped memory region (rings and buffers of every port that shares it). */
    public final MemorySegment region() {
        return region;
    }

    /** The region's id: ports with the same id share buffers, so frames can move by index swap. */
    public final int memId() {
        return memId;
    }

    /** Bytes in each buffer. */
    public final int bufferSize() {
        return txRings.length > 0 ? txRings[0].bufferSize() : rxRings.length > 0 ? rxRings[0].bufferSize() : 0;
    }

    /** Number of TX rings this descriptor is bound to. */
    public final int txRingCount() {
        return txRings.length;
    }

    /** Number of RX rings this descriptor is bound to. */
    public final int rxRingCount() {
        return rxRings.length;
    }

    /** The {@code i}-th bound TX ring (0-based among the bound ones). */
    public final NetmapRing txRing(int i) {
        return txRings[i];
    }

    /** The {@code i}-th bound RX ring (0-based among the bound ones). */
    public final NetmapRing rxRing(int i) {
        return rxRings[i];
    }

    /**
     * True when frames can be sent through this port: it has a TX ring bound and is not a
     * monitor (netmap gives a monitor TX rings, but their syncs do nothing).
     */
    public final boolean canTransmit() {
        return txRings.length > 0 && !spec.isMonitor();
    }

    /**
     * Frames this port dropped, as far as its backend can tell: damaged descriptors from a
     * user-backend peer, frames a NIC mechanism lost. 0 where the backend does not report it
     * (the kernel's drops are not visible to its user). Read on the thread that syncs the port.
     */
    public long droppedFrames() {
        return 0;
    }

    /**
     * Rings reset because an index or slot broke netmap's rules, where the backend reports it (the
     * user backends); 0 otherwise. Read on the thread that syncs the port.
     */
    public long ringResets() {
        return 0;
    }

    /**
     * Sleeps in poll that lasted to the bound of {@link #maxPollDelayNanos()} although the port
     * was ready by then: a wake-up a peer owed and did not deliver (a peer breaking the protocol,
     * or a lost wake-up), where the backend can tell (the user backend's doorbells); 0 otherwise.
     * Read on the thread that polls the port.
     */
    public long lateWakeups() {
        return 0;
    }

    /** Extra buffers the backend granted at open. */
    public final int extraBufferCount() {
        return extraBuffers;
    }

    /**
     * The first buffer of the extra-buffer list ({@code ni_bufs_head}); the list is linked
     * through the first 4 bytes of each buffer and ends with 0. Whatever list this points to
     * when the port closes is given back.
     */
    public final int extraBuffersHead() {
        return nifp.get(JAVA_INT, NI_BUFS_HEAD);
    }

    public final void extraBuffersHead(int bufIdx) {
        nifp.set(JAVA_INT, NI_BUFS_HEAD, bufIdx);
    }

    /**
     * Takes one buffer off the extra-buffer list, or returns 0 when the list is empty.
     *
     * @throws IndexOutOfBoundsException if the list names a buffer outside the region
     */
    public final int takeExtraBuffer() {
        int head = extraBuffersHead();
        if (head != 0) {
            NetmapRing any = anyRing();
            extraBuffersHead(region.get(JAVA_INT, any.bufferOffset(head)));
        }
        return head;
    }

    /** Puts a buffer back on the extra-buffer list. */
    public final void giveExtraBuffer(int bufIdx) {
        NetmapRing any = anyRing();
        region.set(JAVA_INT, any.bufferOffset(bufIdx), extraBuffersHead());
        extraBuffersHead(bufIdx);
    }

    private NetmapRing anyRing() {
        return txRings.length > 0 ? txRings[0] : rxRings[0];
    }

    /** The file descriptor an event loop polls for this port. */
    public abstract int fd();

    /** Pushes the TX slots in {@code [old head, head)} and reclaims completed ones (NIOCTXSYNC). */
    public abstract void txSync() throws NetmapException;

    /** Releases the RX slots before {@code head} and fetches new frames (NIOCRXSYNC). */
    public abstract void rxSync() throws NetmapException;

    /**
     * Step 1 of waiting: runs the syncs a poll would, and returns the operations of {@code ops}
     * (POLLIN, POLLOUT) that are ready now, with POLLERR or POLLHUP when the port is broken or
     * its peer is gone; 0 when none is, or when this backend learns readiness only from poll(2)
     * (see {@link #needsPollToSync()}). Has no effect outside this port, so it may be called on
     * every loop iteration.
     */
    public abstract int readyOps(int ops) throws NetmapException;

    /**
     * Step 2 of waiting, only when the caller will really block: arranges for {@link #fd()} to
     * become readable when one of {@code ops} may be ready, then checks once more. Returns the
     * ready operations (as {@link #readyOps(int)}; nothing stays arranged then), or 0 when the
     * caller may block; then {@link #completePoll(int, int)} must follow, whatever happens.
     */
    public abstract int prepareToSleep(int ops) throws NetmapException;

    /** Step 3 of waiting: the events to ask poll(2) for on {@link #fd()}. */
    public abstract int pollEvents(int ops);

    /**
     * Step 4 of waiting: the ready operations, given what poll(2) returned for {@link #fd()}
     * ({@code revents} 0 if it was not polled, or poll(2) failed). Undoes what
     * {@link #prepareToSleep(int)} arranged.
     */
    public abstract int completePoll(int ops, int revents) throws NetmapException;

    /**
     * True if the syncs and readiness of this port come from poll(2) itself (the kernel backend),
     * so a loop that does not sleep must still call poll(2) with a zero timeout to make progress;
     * false if {@link #readyOps(int)} does it all (the user backend), so a busy loop can skip
     * poll(2) for this port altogether.
     */
    public boolean needsPollToSync() {
        return true;
    }

    /**
     * The longest an event loop may block in poll(2) on {@link #fd()} before it runs the
     * steps again, in nanoseconds; -1 for no limit. A backend that cannot make its descriptor
     * readable on every event (the user backend learns that a peer process died only by
     * looking) asks for a bounded sleep here, so that it notices within that time. For a
     * member of a {@link ReadySet}, the owner's sweep is what looks.
     */
    public long maxPollDelayNanos() {
        return -1;
    }

    /**
     * Makes this port member {@code member} of {@code set}: from now on {@link #prepareToSleep}
     * arranges for the member to be marked in the set when one of the operations may be ready,
     * instead of for {@link #fd()} to become readable (see {@link ReadySet}). Returns false if
     * this port cannot join that set (this default: a port whose peer cannot mark a set, such as
     * a kernel port or an interface); it is then waited on through its descriptor as before.
     * Call it while the port is not prepared to sleep.
     */
    public boolean joinReadySet(ReadySet set, int member) {
        return false;
    }

    /**
     * Leaves the ready set joined last, if any: wake-ups go to {@link #fd()} again. Call it
     * while the port is not prepared to sleep; closing the port leaves by itself.
     */
    public void leaveReadySet() {
    }

    /**
     * Waits up to {@code timeoutMillis} (-1: forever) until one of {@code ops} is ready on this
     * port alone, and returns the ready operations (0 on timeout). For simple programs and
     * tests; event loops use the four steps above over all their ports, and honour
     * {@link #maxPollDelayNanos()} as this method does.
     */
    public final int poll(int ops, int timeoutMillis) throws NetmapException {
        long deadline = timeoutMillis < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutMillis * 1_000_000L;
        long cap = maxPollDelayNanos();
        for (;;) {
            int ready = readyOps(ops);
            if (ready == 0 && timeoutMillis == 0 && !needsPollToSync()) {
                return 0; // not waiting at all: nothing to arrange
            }
            if (ready == 0) {
                ready = prepareToSleep(ops);
            }
            if (ready != 0) {
                return ready & (ops | POLLERR | POLLHUP);
            }
            long now = System.nanoTime();
            long wait = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, deadline - now);
            if (cap >= 0) {
                wait = Math.min(wait, cap);
            }
            int waitMillis = wait == Long.MAX_VALUE ? -1 : (int) Math.min(Integer.MAX_VALUE, (wait + 999_999) / 1_000_000);
            pollFd.set(JAVA_INT, pollfd.fd$offset(), fd());
            pollFd.set(JAVA_SHORT, pollfd.events$offset(), (short) pollEvents(ops));
            pollFd.set(JAVA_SHORT, pollfd.revents$offset(), (short) 0);
            int r = LibC.poll(pollFd, 1, waitMillis);
            int revents = r > 0 ? Short.toUnsignedInt(pollFd.get(JAVA_SHORT, pollfd.revents$offset())) : 0;
            if (r < 0 && r != -Errno.EINTR) {
                throw new NetmapException("poll on " + name() + " failed", -r, null);
            }
            ready = completePoll(ops, revents) & (ops | POLLERR | POLLHUP);
            if (ready != 0 || (deadline != Long.MAX_VALUE && System.nanoTime() - deadline >= 0)) {
                return ready;
            }
        }
    }

    /** True until {@link #close()}. */
    public final boolean isOpen() {
        return !closed.get();
    }

    /**
     * Unregisters the port and unmaps its region. Idempotent. Buffers still referenced by
     * views of the region must not be touched afterwards.
     */
    @Override
    public final void close() {
        // Exactly once, even when two threads close at the same time: a second doClose would
        // close a descriptor number that may already belong to someone else.
        if (closed.compareAndSet(false, true)) {
            doClose();
        }
    }

    /** Releases what the backend holds for this port; called once. */
    protected abstract void doClose();

    @Override
    public String toString() {
        return name() + " (" + backend.name() + " backend, mem id " + memId + ", " + txRings.length + " TX / "
                + rxRings.length + " RX rings, buffers of " + bufferSize() + " B)";
    }
}
