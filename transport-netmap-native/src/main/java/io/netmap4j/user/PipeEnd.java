package io.netmap4j.user;

import io.netmap4j.abi.gen.netmap_ring;
import io.netmap4j.abi.gen.netmap_slot;
import io.netmap4j.core.NetmapException;
import io.netmap4j.user.monitor.MonitorTaps;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import static io.netmap4j.abi.NetmapConstants.NS_BUF_CHANGED;
import static io.netmap4j.abi.NetmapConstants.NS_MOREFRAG;
import static io.netmap4j.user.PipeLayout.*;

/**
 * What the netmap kernel does for one end of a pipe, in Java: txsync, rxsync and the
 * readiness tests of poll, over the rings of this end and the crossed rings of the peer.
 *
 * <h2>The crossover</h2>
 * Direction "mine" is this end's TX ring into the peer's RX ring; both have the same number of
 * slots, and slot i of one corresponds to slot i of the other. Two indices per direction, each
 * written by one side only, say who owns what:
 * <ul>
 *   <li>{@code TX_HWCUR} (the sender's line): slots before it were published. A txsync copies
 *       the descriptors of {@code [TX_HWCUR, head)} (buffer index, length, flags; never the
 *       data) into the same positions of the peer's RX ring, then moves TX_HWCUR. It is the
 *       receiver's RX tail.</li>
 *   <li>{@code RX_HWCUR} (the receiver's line): slots before it were released. An rxsync
 *       copies the descriptors of {@code [RX_HWCUR, head)} back into the same positions of the
 *       sender's TX ring (so a buffer the receiver swapped in travels back), then moves
 *       RX_HWCUR. The sender's TX tail is the slot before it.</li>
 * </ul>
 * Each side writes the other's ring only in slots that the other's user does not own at that
 * moment, so the user-visible fields (head, cur, tail) of a ring are only ever written by the
 * thread that syncs that ring.
 *
 * <h2>Memory ordering</h2>
 * A side writes descriptors with plain stores, then publishes the index with a release store;
 * the other side reads the index with an acquire load before it reads the descriptors. That is
 * the whole protocol between the two threads or processes (x86 needs no fence for it; the
 * release/acquire keep the JIT from reordering). The sleep handshake needs more, see
 * {@link #announceSleep} and {@link #wakePeer}.
 *
 * <h2>Distrust</h2>
 * The region is shared with another process, so everything read from it is checked before use:
 * indices against the ring size and against what the protocol allows, buffer indices against
 * the buffers that exist, lengths against the buffer size. A bad value written by this end's
 * own user resets the ring as netmap does (POLLERR on the next poll); a bad slot published by
 * the peer is delivered as an empty frame in the scratch buffer and counted; a bad index from
 * the peer is ignored and counted.
 *
 * <p>Not thread-safe: as in netmap, one thread at a time syncs a ring.
 */
final class PipeEnd {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final long HEAD = netmap_ring.head$offset();
    private static final long CUR = netmap_ring.cur$offset();
    private static final long TAIL = netmap_ring.tail$offset();
    private static final long SLOTS = netmap_ring.layout().byteSize();
    private static final long SLOT = netmap_slot.layout().byteSize();
    private static final long S_BUF_IDX = netmap_slot.buf_idx$offset();
    private static final long S_LEN = netmap_slot.len$offset();
    private static final long S_FLAGS = netmap_slot.flags$offset();
    /**
     * The first 8 bytes of a slot (buf_idx u32, len u16, flags u16) read as one long, so a
     * descriptor costs one checked access instead of three; the shifts below pick the fields out
     * for the platform's byte order.
     */
    private static final ValueLayout.OfLong DESCRIPTOR = ValueLayout.JAVA_LONG_UNALIGNED;
    /*
     * Plain accesses use unaligned layouts, as NetmapRing does: the same single load or store
     * (netmap places every field at a multiple of its size) without the alignment test FFM makes
     * on every access with an aligned layout, which showed in profiles of the per-slot flag
     * stores. The VarHandle INT, for the ordered accesses, keeps its alignment check.
     */
    private static final ValueLayout.OfInt JAVA_INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort JAVA_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    private static final int IDX_SHIFT = LITTLE_ENDIAN ? 0 : 32;
    private static final int LEN_SHIFT = LITTLE_ENDIAN ? 32 : 16;
    private static final int FLAGS_SHIFT = LITTLE_ENDIAN ? 48 : 0;

    static {
        if (S_BUF_IDX != 0 || S_LEN != 4 || S_FLAGS != 6) {
            throw new ExceptionInInitializerError("netmap_slot layout changed: buf_idx@" + S_BUF_IDX + ", len@" + S_LEN
                    + ", flags@" + S_FLAGS + " (PipeEnd reads them as one long at 0, 4, 6)");
        }
    }

    /** Buffer index given to a frame whose descriptor from the peer was damaged. */
    static final int SCRATCH_BUFFER = 1;

    private final MemorySegment mem;
    private final BufferPool pool;
    private final PeerWatch watch;
    private final Doorbell bell;
    /** The pipe's monitors that watch this end: filled at the four points netmap fills them. */
    private final MonitorTaps taps;
    private final String name;
    private final boolean bindTx;
    private final boolean bindRx;
    private final int txSlots;
    private final int rxSlots;
    private final long tx;
    private final long rx;
    private final long peerRx;
    private final long peerTx;
    private final long myLine;
    private final long peerLine;
    /** This registration's index among those of this end: its bits in the sleep word. */
    private final int registration;
    private int bufLimit;

    private boolean errorPending;
    private long txResets;
    private long rxResets;
    private long rxDropped;
    private long peerErrors;
    private long ringErrors;

    PipeEnd(String name, RegionFile file, BufferPool pool, PeerWatch watch, Doorbell bell, MonitorTaps taps, int pair,
            int end, int registration, int txSlots, int rxSlots, boolean bindTx, boolean bindRx) {
        int peer = 1 - end;
        this.name = name;
        this.mem = file.mem();
        this.pool = pool;
        this.watch = watch;
        this.bell = bell;
        this.taps = taps;
        this.bindTx = bindTx;
        this.bindRx = bindRx;
        this.txSlots = txSlots;
        this.rxSlots = rxSlots;
        this.tx = ring(pair, txRing(end));
        this.rx = ring(pair, rxRing(end));
        this.peerRx = ring(pair, rxRing(peer));
        this.peerTx = ring(pair, txRing(peer));
        this.myLine = line(pair, end);
        this.peerLine = line(pair, peer);
        this.registration = registration;
        this.bufLimit = pool.limit();
        clearSleep(); // bits a registration that died in this slot may have left
    }

    // ------------------------------------------------------------------ txsync

    /**
     * NIOCTXSYNC: publishes the whole frames in {@code [hwcur, head)}, then reclaims the slots
     * the peer released.
     *
     * @return true if anything moved (published or reclaimed)
     */
    boolean txSync() throws NetmapException {
        if (!bindTx) {
            return false;
        }
        final int n = txSlots;
        int hwcur = own(L_TX_HWCUR, n);
        int hwtail = own(L_TX_HWTAIL, n);
        int head = mem.get(JAVA_INT, tx + HEAD);
        int cur = mem.get(JAVA_INT, tx + CUR);
        if (!prologue(tx, head, cur, hwcur, hwtail, n)) {
            return false;
        }
        boolean moved = false;
        if (head != hwcur) {
            int publish = hwcur;
            int frags = 0;
            boolean changed = false;
            for (int i = hwcur; i != head; i = i + 1 == n ? 0 : i + 1) {
                long d = mem.get(DESCRIPTOR, tx + SLOTS + i * SLOT);
                int flags = flags(d);
                if (!validBuffer(bufIdx(d)) || len(d) > BUF_SIZE || frags >= MAX_FRAGS) {
                    // Stricter than a kernel pipe, which would hand the peer a descriptor that
                    // names no buffer: drop what was queued, as netmap_ring_reinit would.
                    resetRing(tx, hwcur, hwtail);
                    txResets++;
                    return false;
                }
                changed |= (flags & NS_BUF_CHANGED) != 0;
                if ((flags & NS_MOREFRAG) != 0) {
                    frags++;
                } else {
                    frags = 0;
                    publish = i + 1 == n ? 0 : i + 1; // only whole chains reach the peer
                }
            }
            if (publish != hwcur) {
                taps.sent(0, tx, n, hwcur, publish); // copy monitors see the frames before they leave
                // the whole slot travels, flags included: the peer sees NS_BUF_CHANGED as the
                // sender set it, and only the sender's copy is cleared (netmap_pipe_txsync)
                copySlots(tx, peerRx, hwcur, publish, n);
                if (changed) {
                    clearBufChanged(tx, hwcur, publish, n);
                }
                // release: the descriptors copied above become visible to the peer no later than
                // the index that tells it they are there (pairs with the acquire in its rxsync)
                INT.setRelease(mem, myLine + L_TX_HWCUR, publish);
                hwcur = publish;
                moved = true;
                wakePeer(WANT_RX);
            }
        }
        // acquire: pairs with the peer's release of RX_HWCUR after it copied the released
        // descriptors back into our TX ring, so we (and our user) read them after it wrote them
        int released = (int) INT.getAcquire(mem, peerLine + L_RX_HWCUR);
        int first = hwtail + 1 == n ? 0 : hwtail + 1;
        if (released >= 0 && released < n && dist(first, released, n) <= dist(first, hwcur, n)) {
            int newTail = released == 0 ? n - 1 : released - 1;
            if (newTail != hwtail) {
                taps.reclaimed(0, tx, n, first, released); // zero-copy monitors see frames once their slots are back
                hwtail = newTail;
                // release only for another registration of this end that syncs later
                INT.setRelease(mem, myLine + L_TX_HWTAIL, hwtail);
                moved = true;
            }
        } else {
            peerErrors++;
        }
        mem.set(JAVA_INT, tx + TAIL, hwtail); // also restores a tail the user overwrote
        if (!moved) {
            checkPeer();
        }
        return moved;
    }

    // ------------------------------------------------------------------ rxsync

    /**
     * NIOCRXSYNC: gives the slots in {@code [hwcur, head)} back to the sender, then makes the
     * frames the peer published since the last sync visible.
     *
     * @return true if anything moved (released or received)
     */
    boolean rxSync() throws NetmapException {
        if (!bindRx) {
            return false;
        }
        final int n = rxSlots;
        int hwcur = own(L_RX_HWCUR, n);
        int hwtail = own(L_RX_HWTAIL, n);
        int head = mem.get(JAVA_INT, rx + HEAD);
        int cur = mem.get(JAVA_INT, rx + CUR);
        if (!prologue(rx, head, cur, hwcur, hwtail, n)) {
            return false;
        }
        boolean moved = false;
        if (head != hwcur) {
            boolean changed = false;
            for (int i = hwcur; i != head; i = i + 1 == n ? 0 : i + 1) {
                long d = mem.get(DESCRIPTOR, rx + SLOTS + i * SLOT);
                if (!validBuffer(bufIdx(d))) {
                    resetRing(rx, hwcur, hwtail); // our user put a bad buffer into a released slot
                    rxResets++;
                    return false;
                }
                changed |= (flags(d) & NS_BUF_CHANGED) != 0;
            }
            taps.released(0, rx, n, hwcur, head); // zero-copy monitors take the frames before they go back
            // as in netmap_pipe_rxsync: whole slots go back, and only our copy loses NS_BUF_CHANGED
            copySlots(rx, peerTx, hwcur, head, n);
            if (changed) {
                clearBufChanged(rx, hwcur, head, n);
            }
            // release: the descriptors given back, and our user's reads of those buffers (which
            // came before it moved head), happen before the sender may refill them
            INT.setRelease(mem, myLine + L_RX_HWCUR, head);
            hwcur = head;
            moved = true;
            wakePeer(WANT_TX);
        }
        // acquire: pairs with the release of TX_HWCUR in the peer's txsync, so the descriptors
        // it copied into our RX ring are read after it wrote them
        int published = (int) INT.getAcquire(mem, peerLine + L_TX_HWCUR);
        if (published != hwtail) {
            int last = hwcur == 0 ? n - 1 : hwcur - 1; // one slot always stays empty
            if (published >= 0 && published < n && dist(hwtail, published, n) <= dist(hwtail, last, n)) {
                checkReceived(hwtail, published, n);
                taps.received(0, rx, n, hwtail, published); // copy monitors see them before the user
                hwtail = published;
                INT.setRelease(mem, myLine + L_RX_HWTAIL, hwtail);
                moved = true;
            } else {
                peerErrors++;
            }
        }
        mem.set(JAVA_INT, rx + TAIL, hwtail);
        if (!moved) {
            checkPeer();
        }
        return moved;
    }

    /** Replaces descriptors from the peer that name no buffer, or a length past the buffer. */
    private void checkReceived(int from, int to, int n) {
        for (int i = from; i != to; i = i + 1 == n ? 0 : i + 1) {
            long s = rx + SLOTS + i * SLOT;
            long d = mem.get(DESCRIPTOR, s);
            if (!validBuffer(bufIdx(d)) || len(d) > BUF_SIZE) {
                mem.set(JAVA_INT, s + S_BUF_IDX, SCRATCH_BUFFER);
                mem.set(JAVA_INT, s + S_LEN, 0); // len and flags together
                rxDropped++;
            }
        }
    }

    // ------------------------------------------------------------------ poll support

    /** POLLIN readiness as netmap defines it: frames past cur. */
    boolean rxReady() {
        return bindRx && mem.get(JAVA_INT, rx + CUR) != mem.get(JAVA_INT, rx + TAIL);
    }

    /** True if the user moved the TX head past what was published: a txsync has work. */
    boolean txPending() {
        return bindTx && mem.get(JAVA_INT, tx + HEAD) != mem.get(JAVA_INT, myLine + L_TX_HWCUR);
    }

    /** POLLOUT readiness as netmap defines it: free slots past cur. */
    boolean txReady() {
        return bindTx && mem.get(JAVA_INT, tx + CUR) != mem.get(JAVA_INT, tx + TAIL);
    }

    /**
     * Says in shared memory that this registration is about to sleep waiting for {@code want},
     * then looks once more at the peer's indices.
     *
     * <p>The atomic or on the sleep word (a full barrier) and the volatile loads after it are
     * sequentially consistent, as are the peer's release store of an index, its full fence and
     * its volatile load of our sleep word in {@link #wakePeer}. So either the peer sees our bits
     * and rings our doorbell, or we see its new index here and do not sleep; never neither.
     *
     * @return true if the peer moved meanwhile, so the caller must sync again instead of
     *         sleeping (this registration's bits are cleared then)
     */
    boolean announceSleep(int want) {
        // an atomic or: the bits of the other registrations of this end stay as they are
        SleepWord.announce(mem, myLine + L_SLEEP, registration, want);
        boolean moved = false;
        if ((want & WANT_RX) != 0 && bindRx) {
            moved = (int) INT.getVolatile(mem, peerLine + L_TX_HWCUR) != mem.get(JAVA_INT, myLine + L_RX_HWTAIL);
        }
        if ((want & WANT_TX) != 0 && bindTx && !moved) {
            int hwtail = mem.get(JAVA_INT, myLine + L_TX_HWTAIL);
            int released = (int) INT.getVolatile(mem, peerLine + L_RX_HWCUR);
            moved = released != (hwtail + 1 == txSlots ? 0 : hwtail + 1);
        }
        if (moved) {
            clearSleep();
        }
        return moved;
    }

    /** This registration is awake again: the peer need not ring it. Other registrations may still sleep. */
    void clearSleep() {
        SleepWord.clear(mem, myLine + L_SLEEP, registration);
    }

    /**
     * Rings the doorbell of every registration of the peer that sleeps waiting for {@code what}
     * (see {@link SleepWord#wake}); one plain load is all it costs while nobody sleeps.
     */
    private void wakePeer(int what) {
        SleepWord.wake(mem, peerLine + L_SLEEP, what, bell, 0);
    }

    /** While waiting for a peer that does not move, looks (rarely) whether it died. */
    private void checkPeer() throws NetmapException {
        if (watch.checkIfDue()) {
            throw peerGone();
        }
    }

    NetmapException peerGone() {
        return new io.netmap4j.core.PeerGoneException(name + ": the process at the other end of the pipe died. "
                + "Close this end; the pipe is reset when both ends are closed");
    }

    /** POLLERR is due once after a ring was reset, as netmap reports it. */
    boolean takeError() {
        boolean e = errorPending;
        errorPending = false;
        return e;
    }

    long txResets() {
        return txResets;
    }

    long rxResets() {
        return rxResets;
    }

    long rxDropped() {
        return rxDropped;
    }

    long peerErrors() {
        return peerErrors;
    }

    /** Syncs refused because head or cur named a slot the user does not own (POLLERR, no reset). */
    long ringErrors() {
        return ringErrors;
    }

    // ------------------------------------------------------------------ helpers

    /**
     * One of this end's own kernel indices. The peer could have overwritten it, so it is
     * checked; acquire pairs with the release of another registration of this end that synced
     * the ring before (netmap lets several descriptors share a ring, one at a time).
     */
    private int own(long field, int n) throws NetmapException {
        int v = (int) INT.getAcquire(mem, myLine + field);
        if (v < 0 || v >= n) {
            throw new NetmapException(name + ": the pipe's shared state is damaged (index " + v + " for a ring of "
                    + n + " slots); close both ends to reset the pipe");
        }
        return v;
    }

    /**
     * netmap's sync prologue: {@code hwcur <= head <= cur <= hwtail}, going forward from hwcur.
     * When it fails, the ring is reset only if head or cur is not a slot number at all
     * (netmap_ring_reinit resets on indices past {@code num_slots - 1}); an index that is a slot
     * but not one the user owns leaves the ring as the user wrote it, and only POLLERR says so,
     * as the kernel does. Either way nothing moves in this sync. (The kernel then also takes the
     * bad head as its idea of the user's head, and an RX sync goes on with it; that is a slip of
     * netmap_ring_reinit, not part of the protocol, and is not copied here.)
     *
     * @return true if the sync may go on
     */
    private boolean prologue(long ring, int head, int cur, int hwcur, int hwtail, int n) {
        if (head >= 0 && head < n && cur >= 0 && cur < n
                && dist(hwcur, head, n) <= dist(hwcur, cur, n) && dist(hwcur, cur, n) <= dist(hwcur, hwtail, n)) {
            return true;
        }
        int tail = mem.get(JAVA_INT, ring + TAIL);
        if (head < 0 || head >= n || cur < 0 || cur >= n || tail < 0 || tail >= n) {
            resetRing(ring, hwcur, hwtail);
            if (ring == tx) {
                txResets++;
            } else {
                rxResets++;
            }
        } else {
            errorPending = true;
            ringErrors++;
        }
        return false;
    }

    /** Clears NS_BUF_CHANGED in slots {@code [from, to)} of a ring of this end. */
    private void clearBufChanged(long ring, int from, int to, int n) {
        for (int i = from; i != to; i = i + 1 == n ? 0 : i + 1) {
            long s = ring + SLOTS + i * SLOT + S_FLAGS;
            int flags = Short.toUnsignedInt(mem.get(JAVA_SHORT, s));
            if ((flags & NS_BUF_CHANGED) != 0) {
                mem.set(JAVA_SHORT, s, (short) (flags & ~NS_BUF_CHANGED));
            }
        }
    }

    /** netmap_ring_reinit: head = cur = hwcur, tail = hwtail, and POLLERR on the next poll. */
    private void resetRing(long ring, int hwcur, int hwtail) {
        mem.set(JAVA_INT, ring + HEAD, hwcur);
        mem.set(JAVA_INT, ring + CUR, hwcur);
        mem.set(JAVA_INT, ring + TAIL, hwtail);
        errorPending = true;
    }

    private boolean validBuffer(int bufIdx) {
        if (bufIdx >= SCRATCH_BUFFER && bufIdx < bufLimit) {
            return true;
        }
        if (bufIdx > 0) {
            bufLimit = pool.limit(); // another pipe of the region may have grown the pool since
            return bufIdx < bufLimit;
        }
        return false;
    }

    /** Copies the descriptors of slots {@code [from, to)} into the same positions of another ring. */
    private void copySlots(long src, long dst, int from, int to, int n) {
        if (from < to) {
            MemorySegment.copy(mem, src + SLOTS + from * SLOT, mem, dst + SLOTS + from * SLOT, (to - from) * SLOT);
        } else {
            MemorySegment.copy(mem, src + SLOTS + from * SLOT, mem, dst + SLOTS + from * SLOT, (n - from) * SLOT);
            MemorySegment.copy(mem, src + SLOTS, mem, dst + SLOTS, to * SLOT);
        }
    }

    private static int bufIdx(long descriptor) {
        return (int) (descriptor >>> IDX_SHIFT);
    }

    private static int len(long descriptor) {
        return (int) (descriptor >>> LEN_SHIFT) & 0xFFFF;
    }

    private static int flags(long descriptor) {
        return (int) (descriptor >>> FLAGS_SHIFT) & 0xFFFF;
    }

    private static int dist(int from, int to, int n) {
        int d = to - from;
        return d < 0 ? d + n : d;
    }
}
