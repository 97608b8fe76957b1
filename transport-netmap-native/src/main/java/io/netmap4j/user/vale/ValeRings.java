package io.netmap4j.user.vale;

import io.netmap4j.abi.gen.netmap_ring;
import io.netmap4j.abi.gen.netmap_slot;
import io.netmap4j.core.NetmapException;
import io.netmap4j.user.SleepWord;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import static io.netmap4j.abi.NetmapConstants.NS_BUF_CHANGED;
import static io.netmap4j.user.vale.SwitchLayout.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * What the netmap kernel does for one registration of a VALE port, in Java: txsync (the
 * switch's forwarding, see {@link ValeForwarder}), rxsync and the readiness tests of poll, over
 * the rings the registration binds.
 *
 * <h2>The rings</h2>
 * A TX ring's slots come back within the txsync that sends them, as in netmap: after it, the
 * user owns every slot but one again. An RX ring is filled by the senders, each under the ring's
 * lock, who publish what they copied by moving the ring's {@code D_HWTAIL} (release); an rxsync
 * reads it (acquire) and gives the user the new slots, and publishes (release) how far the user
 * released them in {@code R_HWCUR}, which the senders read (acquire) to know how much room there
 * is. Each of the two indices is written by one side only.
 *
 * <h2>Distrust</h2>
 * As for pipes: indices and buffer indices read from the shared memory are checked before use;
 * a bad value written by this registration's own user resets its ring as netmap does (POLLERR
 * on the next poll), a damaged slot received is delivered as an empty frame in the scratch
 * buffer and counted, and a bad index written by someone else is ignored and counted.
 *
 * <p>Not thread-safe: as in netmap, one thread at a time syncs a ring; the TX rings and the RX
 * rings of a registration may be synced by two different threads.
 */
final class ValeRings {
    private static final VarHandle INT = JAVA_INT.varHandle();
    private static final long HEAD = netmap_ring.head$offset();
    private static final long CUR = netmap_ring.cur$offset();
    private static final long TAIL = netmap_ring.tail$offset();
    private static final long SLOTS = netmap_ring.layout().byteSize();
    private static final long SLOT = netmap_slot.layout().byteSize();
    private static final long S_LEN = netmap_slot.len$offset();
    private static final long S_FLAGS = netmap_slot.flags$offset();
    private static final ValueLayout.OfInt INT_U = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort SHORT_U = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfLong DESCRIPTOR = ValueLayout.JAVA_LONG_UNALIGNED;

    private final MemorySegment mem;
    private final String name;
    private final ValeRegistration reg;
    private final long base;
    private final int txSlots;
    private final int rxSlots;
    private final ValeForwarder forwarder;

    private boolean errorPending;
    private long txResets;
    private long rxResets;
    private long rxDamaged;
    private long peerErrors;
    private long ringErrors;
    private int bufLimit;

    ValeRings(String name, ValeRegistration reg, ValeForwarder forwarder) {
        this.mem = reg.file.mem();
        this.name = name;
        this.reg = reg;
        this.base = reg.base();
        this.txSlots = reg.geometry.txSlots();
        this.rxSlots = reg.geometry.rxSlots();
        this.forwarder = forwarder;
        clearSleep(); // bits a registration that died in this slot may have left
    }

    // ------------------------------------------------------------------ txsync

    /**
     * NIOCTXSYNC: forwards the frames in {@code [hwcur, head)} of every bound TX ring, and gives
     * all their slots back at once.
     *
     * @return true if anything was sent
     */
    boolean txSync() throws NetmapException {
        boolean moved = false;
        final int n = txSlots;
        for (int r = reg.firstTx; r < reg.lastTx; r++) {
            long ring = base + txRing(r);
            long line = base + txLine(r);
            int hwcur = own(line + T_HWCUR, n);
            int hwtail = hwcur == 0 ? n - 1 : hwcur - 1;
            int head = mem.get(JAVA_INT, ring + HEAD);
            int cur = mem.get(JAVA_INT, ring + CUR);
            if (!prologue(ring, head, cur, hwcur, hwtail, n, true)) {
                continue;
            }
            if (head != hwcur) {
                forwarder.forward(ring, n, r, hwcur, head);
                // release only for another registration of this port that syncs the ring later
                INT.setRelease(mem, line + T_HWCUR, head);
                hwcur = head;
                moved = true;
            }
            mem.set(JAVA_INT, ring + TAIL, hwcur == 0 ? n - 1 : hwcur - 1); // also restores an overwritten tail
        }
        return moved;
    }

    // ------------------------------------------------------------------ rxsync

    /**
     * NIOCRXSYNC: releases the slots in {@code [hwcur, head)} of every bound RX ring to the
     * senders, then shows the frames they delivered since the last sync.
     *
     * @return true if anything moved (released or received)
     */
    boolean rxSync() throws NetmapException {
        boolean moved = false;
        final int n = rxSlots;
        rings:
        for (int r = reg.firstRx; r < reg.lastRx; r++) {
            long ring = base + rxRing(r);
            long line = base + rxLine(r);
            int hwcur = own(line + R_HWCUR, n);
            int hwtail = own(line + R_HWTAIL, n);
            int head = mem.get(JAVA_INT, ring + HEAD);
            int cur = mem.get(JAVA_INT, ring + CUR);
            if (!prologue(ring, head, cur, hwcur, hwtail, n, false)) {
                continue;
            }
            if (head != hwcur) {
                for (int i = hwcur; i != head; i = i + 1 == n ? 0 : i + 1) {
                    long s = ring + SLOTS + i * SLOT;
                    long d = mem.get(DESCRIPTOR, s);
                    if (!validBuffer(SlotWords.bufIdx(d))) {
                        resetRing(ring, hwcur, hwtail); // our user put a bad buffer into a released slot
                        rxResets++;
                        continue rings;
                    }
                    int flags = SlotWords.flags(d);
                    if ((flags & NS_BUF_CHANGED) != 0) {
                        mem.set(SHORT_U, s + S_FLAGS, (short) (flags & ~NS_BUF_CHANGED)); // as netmap_vp_rxsync
                    }
                }
                // release: our user's reads of those buffers come before any sender refills them
                INT.setRelease(mem, line + R_HWCUR, head);
                hwcur = head;
                moved = true;
            }
            // acquire: pairs with the senders' release of the tail after their copies
            int published = (int) INT.getAcquire(mem, line + D_HWTAIL);
            if (published != hwtail) {
                int last = hwcur == 0 ? n - 1 : hwcur - 1; // one slot always stays empty
                if (published >= 0 && published < n && dist(hwtail, published, n) <= dist(hwtail, last, n)) {
                    checkReceived(ring, hwtail, published, n);
                    hwtail = published;
                    INT.setRelease(mem, line + R_HWTAIL, hwtail);
                    moved = true;
                } else {
                    peerErrors++;
                }
            }
            mem.set(JAVA_INT, ring + TAIL, hwtail);
        }
        return moved;
    }

    /** Replaces received slots that name no buffer of this port, or a length past the buffer. */
    private void checkReceived(long ring, int from, int to, int n) {
        for (int i = from; i != to; i = i + 1 == n ? 0 : i + 1) {
            long s = ring + SLOTS + i * SLOT;
            long d = mem.get(DESCRIPTOR, s);
            if (!validBuffer(SlotWords.bufIdx(d)) || SlotWords.len(d) > BUF_SIZE) {
                mem.set(INT_U, s, ValeForwarder.SCRATCH_BUFFER);
                mem.set(INT_U, s + S_LEN, 0); // len and flags together
                rxDamaged++;
            }
        }
    }

    // ------------------------------------------------------------------ poll support

    /** POLLIN readiness as netmap defines it: frames past cur in some bound RX ring. */
    boolean rxReady() {
        for (int r = reg.firstRx; r < reg.lastRx; r++) {
            long ring = base + rxRing(r);
            if (mem.get(JAVA_INT, ring + CUR) != mem.get(JAVA_INT, ring + TAIL)) {
                return true;
            }
        }
        return false;
    }

    /** POLLOUT readiness as netmap defines it: free slots past cur in some bound TX ring. */
    boolean txReady() {
        for (int r = reg.firstTx; r < reg.lastTx; r++) {
            long ring = base + txRing(r);
            if (mem.get(JAVA_INT, ring + CUR) != mem.get(JAVA_INT, ring + TAIL)) {
                return true;
            }
        }
        return false;
    }

    /** True if the user moved some TX head past what was sent: a txsync has work. */
    boolean txPending() {
        for (int r = reg.firstTx; r < reg.lastTx; r++) {
            if (mem.get(JAVA_INT, base + txRing(r) + HEAD) != mem.get(JAVA_INT, base + txLine(r) + T_HWCUR)) {
                return true;
            }
        }
        return false;
    }

    /** True if this registration binds some RX ring (and so can wait for frames). */
    boolean bindsRx() {
        return reg.lastRx > reg.firstRx;
    }

    /**
     * Says in the port's sleep word that this registration is about to sleep waiting for
     * frames, then looks once more at the tails the senders publish (see {@link SleepWord}).
     *
     * @return true if a sender delivered meanwhile, so the caller must sync instead of sleeping
     *         (the announcement is withdrawn then)
     */
    boolean announceSleep() {
        SleepWord.announce(mem, base + C_SLEEP, reg.registration, SleepWord.WANT_RX);
        for (int r = reg.firstRx; r < reg.lastRx; r++) {
            long line = base + rxLine(r);
            if ((int) INT.getVolatile(mem, line + D_HWTAIL) != mem.get(JAVA_INT, line + R_HWTAIL)) {
                clearSleep();
                return true;
            }
        }
        return false;
    }

    /** This registration is awake again: senders need not ring it. */
    void clearSleep() {
        SleepWord.clear(mem, base + C_SLEEP, reg.registration);
    }

    /** POLLERR is due once after a ring was reset or a sync refused, as netmap reports it. */
    boolean takeError() {
        boolean e = errorPending;
        errorPending = false;
        return e;
    }

    long ringResets() {
        return txResets + rxResets;
    }

    long ringErrors() {
        return ringErrors;
    }

    long damagedFrames() {
        return rxDamaged;
    }

    long peerErrors() {
        return peerErrors;
    }

    /** Frames the senders could not put into this registration's RX rings (they were full). */
    long rxDropped() {
        long sum = 0;
        for (int r = reg.firstRx; r < reg.lastRx; r++) {
            sum += mem.get(JAVA_LONG, base + rxLine(r) + D_DROPS);
        }
        return sum;
    }

    // ------------------------------------------------------------------ helpers

    /** One of this port's own kernel indices, checked: another process could have damaged it. */
    private int own(long field, int n) throws NetmapException {
        int v = (int) INT.getAcquire(mem, field);
        if (v < 0 || v >= n) {
            throw new NetmapException(name + ": the switch's shared state is damaged (index " + v
                    + " for a ring of " + n + " slots); close every port of the switch to reset it");
        }
        return v;
    }

    /**
     * netmap's sync prologue, as for pipes: {@code hwcur <= head <= cur <= hwtail} going forward
     * from hwcur; an index past the last slot resets the ring, one that is a slot the user does
     * not own only refuses the sync with POLLERR. Nothing moves in a refused sync.
     */
    private boolean prologue(long ring, int head, int cur, int hwcur, int hwtail, int n, boolean tx) {
        if (head >= 0 && head < n && cur >= 0 && cur < n
                && dist(hwcur, head, n) <= dist(hwcur, cur, n) && dist(hwcur, cur, n) <= dist(hwcur, hwtail, n)) {
            return true;
        }
        int tail = mem.get(JAVA_INT, ring + TAIL);
        if (head < 0 || head >= n || cur < 0 || cur >= n || tail < 0 || tail >= n) {
            resetRing(ring, hwcur, hwtail);
            if (tx) {
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

    /** netmap_ring_reinit: head = cur = hwcur, tail = hwtail, and POLLERR on the next poll. */
    private void resetRing(long ring, int hwcur, int hwtail) {
        mem.set(JAVA_INT, ring + HEAD, hwcur);
        mem.set(JAVA_INT, ring + CUR, hwcur);
        mem.set(JAVA_INT, ring + TAIL, hwtail);
        errorPending = true;
    }

    private boolean validBuffer(int bufIdx) {
        if (bufIdx >= ValeForwarder.SCRATCH_BUFFER && bufIdx < bufLimit) {
            return true;
        }
        if (bufIdx > 0) {
            int next = (int) INT.getAcquire(mem, base + C_BUF_NEXT);
            bufLimit = next < 2 || next > MAX_PORT_BUFFERS ? 2 : next;
            return bufIdx < bufLimit;
        }
        return false;
    }

    private static int dist(int from, int to, int n) {
        int d = to - from;
        return d < 0 ? d + n : d;
    }
}
