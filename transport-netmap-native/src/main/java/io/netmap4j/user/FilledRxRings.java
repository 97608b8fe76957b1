package io.netmap4j.user;

import io.netmap4j.abi.gen.netmap_ring;
import io.netmap4j.abi.gen.netmap_slot;
import io.netmap4j.core.NetmapException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import static io.netmap4j.abi.NetmapConstants.NS_BUF_CHANGED;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * What netmap's rxsync does for an RX ring that others fill, each under the ring's
 * {@link SharedLock} (the RX rings of a VALE port, filled by the ports that send to it; the rings
 * of a monitor, filled by the port it watches), and the sync prologue every ring of such a port
 * goes through. One instance per registration; the indices of each ring live in shared memory:
 * <ul>
 *   <li>the fill tail, written by the fillers (release) after they wrote the slots before it: the
 *       next slot a filler fills (netmap's hwtail);</li>
 *   <li>the released index, written by the registrations of the ring (release) once their user
 *       gave back the slots before it, read (acquire) by the fillers to know how much room there
 *       is (netmap's hwcur);</li>
 *   <li>the seen tail, the tail last given to a registration of the ring.</li>
 * </ul>
 *
 * <h2>Distrust</h2>
 * The memory is shared with other processes, so everything read from it is checked: a bad index
 * written by this registration's own user resets its ring as netmap does (POLLERR on the next
 * poll), a released slot naming no buffer of the region resets the ring too, a received slot
 * naming no buffer (or a length past one) is delivered empty in the scratch buffer and counted,
 * and a fill tail that makes no sense is ignored and counted.
 *
 * <p>Not thread-safe: one thread at a time syncs a ring. Public only for the backend's
 * sub-packages; not an API.
 */
public final class FilledRxRings {
    private static final VarHandle INT = JAVA_INT.varHandle();
    private static final long HEAD = netmap_ring.head$offset();
    private static final long CUR = netmap_ring.cur$offset();
    private static final long TAIL = netmap_ring.tail$offset();
    private static final long SLOTS = netmap_ring.layout().byteSize();
    private static final long SLOT = netmap_slot.layout().byteSize();
    private static final long S_LEN = netmap_slot.len$offset();
    private static final long S_FLAGS = netmap_slot.flags$offset();
    private static final ValueLayout.OfLong DESCRIPTOR = ValueLayout.JAVA_LONG_UNALIGNED;
    private static final ValueLayout.OfInt INT_U = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT_U = ValueLayout.JAVA_SHORT_UNALIGNED;

    private final MemorySegment mem;
    private final String name;
    private final long poolNextField;
    private final int maxBuffers;
    private final int bufferSize;
    private final int scratchBuffer;
    private int bufLimit;

    private boolean errorPending;
    private long resets;
    private long refused;
    private long damaged;
    private long fillErrors;

    /**
     * @param poolNextField the bump index of the region's {@link BufferPool}: buffers below it exist
     * @param scratchBuffer the buffer a damaged received slot is given
     */
    public FilledRxRings(MemorySegment mem, String name, long poolNextField, int maxBuffers, int bufferSize,
                         int scratchBuffer) {
        this.mem = mem;
        this.name = name;
        this.poolNextField = poolNextField;
        this.maxBuffers = maxBuffers;
        this.bufferSize = bufferSize;
        this.scratchBuffer = scratchBuffer;
    }

    /**
     * NIOCRXSYNC for the ring at {@code ring} of {@code n} slots: gives the slots in
     * {@code [released, head)} back to the fillers, then shows the slots filled since the last
     * sync.
     *
     * @param beforeRelease called with the slots about to be released, before the fillers may
     *                      see them (a zero-copy monitor takes them there); may be null
     * @param received      called with the slots that became visible; may be null
     * @return true if anything moved (released or received)
     */
    public boolean sync(long ring, int n, long fillTail, long released, long seen, SlotRange beforeRelease,
                        SlotRange received) throws NetmapException {
        int hwcur = own(released, n);
        int hwtail = own(seen, n);
        if (!prologue(ring, hwcur, hwtail, n)) {
            return false;
        }
        boolean moved = false;
        int head = mem.get(JAVA_INT, ring + HEAD);
        if (head != hwcur) {
            for (int i = hwcur; i != head; i = i + 1 == n ? 0 : i + 1) {
                long s = ring + SLOTS + i * SLOT;
                long d = mem.get(DESCRIPTOR, s);
                if (!validBuffer(SlotWords.bufIdx(d))) {
                    reset(ring, hwcur, hwtail); // our user put a bad buffer into a released slot
                    resets++;
                    return false;
                }
                int flags = SlotWords.flags(d);
                if ((flags & NS_BUF_CHANGED) != 0) {
                    mem.set(SHORT_U, s + S_FLAGS, (short) (flags & ~NS_BUF_CHANGED)); // as netmap_vp_rxsync
                }
            }
            if (beforeRelease != null) {
                beforeRelease.slots(ring, hwcur, head);
            }
            // release: our user's reads of those buffers come before any filler reuses them
            INT.setRelease(mem, released, head);
            hwcur = head;
            moved = true;
        }
        // acquire: pairs with the fillers' release of the tail after they wrote the slots
        int published = (int) INT.getAcquire(mem, fillTail);
        if (published != hwtail) {
            int last = hwcur == 0 ? n - 1 : hwcur - 1; // one slot always stays empty
            if (published >= 0 && published < n && dist(hwtail, published, n) <= dist(hwtail, last, n)) {
                checkReceived(ring, hwtail, published, n);
                if (received != null) {
                    received.slots(ring, hwtail, published);
                }
                INT.setRelease(mem, seen, published);
                hwtail = published;
                moved = true;
            } else {
                fillErrors++;
            }
        }
        mem.set(JAVA_INT, ring + TAIL, hwtail);
        return moved;
    }

    /** Something done with slots {@code [from, to)} of the ring at {@code ring}. */
    @FunctionalInterface
    public interface SlotRange {
        void slots(long ring, int from, int to);
    }

    /** True if a filler published slots this registration has not shown yet (after announcing a sleep). */
    public boolean filledSince(long fillTail, long seen) {
        return (int) INT.getVolatile(mem, fillTail) != mem.get(JAVA_INT, seen);
    }

    /** Replaces received slots that name no buffer of the region, or a length past the buffer. */
    private void checkReceived(long ring, int from, int to, int n) {
        for (int i = from; i != to; i = i + 1 == n ? 0 : i + 1) {
            long s = ring + SLOTS + i * SLOT;
            long d = mem.get(DESCRIPTOR, s);
            if (!validBuffer(SlotWords.bufIdx(d)) || SlotWords.len(d) > bufferSize) {
                mem.set(INT_U, s, scratchBuffer);
                mem.set(INT_U, s + S_LEN, 0); // len and flags together
                damaged++;
            }
        }
    }

    /**
     * One of the registration's own indices, checked: another process could have damaged it.
     *
     * @throws NetmapException if it is not a slot
     */
    public int own(long field, int n) throws NetmapException {
        int v = (int) INT.getAcquire(mem, field);
        if (v < 0 || v >= n) {
            throw new NetmapException(name + ": the shared state is damaged (index " + v + " for a ring of " + n
                    + " slots); close every port that uses it to reset it");
        }
        return v;
    }

    /**
     * netmap's sync prologue: {@code hwcur <= head <= cur <= hwtail} going forward from hwcur. An
     * index past the last slot resets the ring (netmap_ring_reinit); one that is a slot the user
     * does not own only refuses the sync with POLLERR, leaving the ring as the user wrote it.
     * Nothing moves in a refused sync.
     *
     * @return true if the sync may go on
     */
    public boolean prologue(long ring, int hwcur, int hwtail, int n) {
        int head = mem.get(JAVA_INT, ring + HEAD);
        int cur = mem.get(JAVA_INT, ring + CUR);
        if (head >= 0 && head < n && cur >= 0 && cur < n
                && dist(hwcur, head, n) <= dist(hwcur, cur, n) && dist(hwcur, cur, n) <= dist(hwcur, hwtail, n)) {
            return true;
        }
        int tail = mem.get(JAVA_INT, ring + TAIL);
        if (head < 0 || head >= n || cur < 0 || cur >= n || tail < 0 || tail >= n) {
            reset(ring, hwcur, hwtail);
            resets++;
        } else {
            errorPending = true;
            refused++;
        }
        return false;
    }

    /** netmap_ring_reinit: head = cur = hwcur, tail = hwtail, and POLLERR on the next poll. */
    private void reset(long ring, int hwcur, int hwtail) {
        mem.set(JAVA_INT, ring + HEAD, hwcur);
        mem.set(JAVA_INT, ring + CUR, hwcur);
        mem.set(JAVA_INT, ring + TAIL, hwtail);
        errorPending = true;
    }

    /** True if {@code bufIdx} names a buffer of the region (the scratch buffer included). */
    public boolean validBuffer(int bufIdx) {
        if (bufIdx >= scratchBuffer && bufIdx < bufLimit) {
            return true;
        }
        if (bufIdx > 0) {
            int next = (int) INT.getAcquire(mem, poolNextField); // a registration may have taken buffers since
            bufLimit = next < 2 || next > maxBuffers ? 2 : next;
            return bufIdx >= scratchBuffer && bufIdx < bufLimit;
        }
        return false;
    }

    /** POLLERR is due once after a ring was reset or a sync refused, as netmap reports it. */
    public boolean takeError() {
        boolean e = errorPending;
        errorPending = false;
        return e;
    }

    /** Times a ring was reset: an index past the last slot, or a released slot naming no buffer. */
    public long resets() {
        return resets;
    }

    /** Syncs refused with POLLERR because head or cur named a slot the user does not own. */
    public long refused() {
        return refused;
    }

    /** Received slots whose descriptor was damaged, delivered empty. */
    public long damaged() {
        return damaged;
    }

    /** Fill tails that broke the protocol and were ignored. */
    public long fillErrors() {
        return fillErrors;
    }

    public static int dist(int from, int to, int n) {
        int d = to - from;
        return d < 0 ? d + n : d;
    }
}
