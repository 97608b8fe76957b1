package io.netmap4j.user.vale;

import io.netmap4j.abi.gen.netmap_ring;
import io.netmap4j.core.NetmapException;
import io.netmap4j.user.FilledRxRings;
import io.netmap4j.user.SleepWord;
import io.netmap4j.user.monitor.MonitorTaps;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static io.netmap4j.user.vale.SwitchLayout.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * What the netmap kernel does for one registration of a VALE port, in Java: txsync (the
 * switch's forwarding, see {@link ValeForwarder}), rxsync and the readiness tests of poll, over
 * the rings the registration binds.
 *
 * <p>A TX ring's slots come back within the txsync that sends them, as in netmap: after it, the
 * user owns every slot but one again. An RX ring is filled by the senders, each under the ring's
 * lock, and synced by {@link FilledRxRings}: the senders publish what they copied by moving the
 * ring's {@code D_HWTAIL}, the registration says how far its user released in {@code R_HWCUR}.
 * Everything read from the shared memory is checked (see {@link FilledRxRings}).
 *
 * <p>Not thread-safe: as in netmap, one thread at a time syncs a ring; the TX rings and the RX
 * rings of a registration may be synced by two different threads.
 */
final class ValeRings {
    private static final VarHandle INT = JAVA_INT.varHandle();
    private static final long HEAD = netmap_ring.head$offset();
    private static final long CUR = netmap_ring.cur$offset();
    private static final long TAIL = netmap_ring.tail$offset();

    private final MemorySegment mem;
    private final ValeRegistration reg;
    private final long base;
    private final int txSlots;
    private final int rxSlots;
    private final ValeForwarder forwarder;
    /** The prologue and counters of the TX rings (no filler: only the prologue is used). */
    private final FilledRxRings tx;
    private final FilledRxRings rx;
    private final MonitorTaps taps;
    /** The RX ring being synced, for the two hooks below (made once: no object per sync). */
    private int syncing;
    private final FilledRxRings.SlotRange released;
    private final FilledRxRings.SlotRange received;

    ValeRings(String name, ValeRegistration reg, ValeForwarder forwarder, MonitorTaps taps) {
        this.mem = reg.file.mem();
        this.reg = reg;
        this.base = reg.base();
        this.txSlots = reg.geometry.txSlots();
        this.rxSlots = reg.geometry.rxSlots();
        this.forwarder = forwarder;
        this.taps = taps;
        this.released = (ring, from, to) -> taps.released(syncing, ring, rxSlots, from, to);
        this.received = (ring, from, to) -> taps.received(syncing, ring, rxSlots, from, to);
        this.tx = new FilledRxRings(mem, name, base + C_BUF_NEXT, MAX_PORT_BUFFERS, BUF_SIZE,
                ValeForwarder.SCRATCH_BUFFER);
        this.rx = new FilledRxRings(mem, name, base + C_BUF_NEXT, MAX_PORT_BUFFERS, BUF_SIZE,
                ValeForwarder.SCRATCH_BUFFER);
        clearSleep(); // bits a registration that died in this slot may have left
    }

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
            int hwcur = tx.own(line + T_HWCUR, n);
            if (!tx.prologue(ring, hwcur, hwcur == 0 ? n - 1 : hwcur - 1, n)) {
                continue;
            }
            int head = mem.get(JAVA_INT, ring + HEAD);
            if (head != hwcur) {
                taps.sent(r, ring, n, hwcur, head); // copy monitors see the frames before they leave
                forwarder.forward(ring, n, r, hwcur, head);
                taps.reclaimed(r, ring, n, hwcur, head); // zero-copy ones once their slots are back
                // release only for another registration of this port that syncs the ring later
                INT.setRelease(mem, line + T_HWCUR, head);
                hwcur = head;
                moved = true;
            }
            mem.set(JAVA_INT, ring + TAIL, hwcur == 0 ? n - 1 : hwcur - 1); // also restores an overwritten tail
        }
        return moved;
    }

    /**
     * NIOCRXSYNC: releases the slots in {@code [hwcur, head)} of every bound RX ring to the
     * senders, then shows the frames they delivered since the last sync.
     *
     * @return true if anything moved (released or received)
     */
    boolean rxSync() throws NetmapException {
        boolean moved = false;
        for (int r = reg.firstRx; r < reg.lastRx; r++) {
            long line = base + rxLine(r);
            syncing = r;
            moved |= rx.sync(base + rxRing(r), rxSlots, line + D_HWTAIL, line + R_HWCUR, line + R_HWTAIL, released,
                    received);
        }
        return moved;
    }

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
     * @return true if a sender delivered meanwhile (the announcement is withdrawn then)
     */
    boolean announceSleep() {
        SleepWord.announce(mem, base + C_SLEEP, reg.registration, SleepWord.WANT_RX);
        for (int r = reg.firstRx; r < reg.lastRx; r++) {
            long line = base + rxLine(r);
            if (rx.filledSince(line + D_HWTAIL, line + R_HWTAIL)) {
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
        return tx.takeError() | rx.takeError();
    }

    long ringResets() {
        return tx.resets() + rx.resets();
    }

    long ringErrors() {
        return tx.refused() + rx.refused();
    }

    long damagedFrames() {
        return rx.damaged();
    }

    long peerErrors() {
        return rx.fillErrors();
    }

    /** Frames the senders could not put into this registration's RX rings (they were full). */
    long rxDropped() {
        long sum = 0;
        for (int r = reg.firstRx; r < reg.lastRx; r++) {
            sum += mem.get(JAVA_LONG, base + rxLine(r) + D_DROPS);
        }
        return sum;
    }
}
