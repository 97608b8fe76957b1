package io.netmap4j.user.monitor;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.ErrnoException;
import io.netmap4j.core.NetmapException;
import io.netmap4j.user.RingWriter;
import io.netmap4j.user.SharedLock;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static io.netmap4j.abi.NetmapConstants.NR_ZCOPY_MON;
import static io.netmap4j.user.monitor.MonitorLayout.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * How a monitor slot is made and torn down in the file of the port it monitors. Called by the
 * host (pipe region, VALE switch) with the file lock held, never on the data path.
 */
public final class MonitorSlots {
    private static final VarHandle INT = JAVA_INT.varHandle();

    private MonitorSlots() { }

    /** True while the slot holds a live monitor. */
    public static boolean live(MemorySegment mem, MonitorPlace p) {
        return (int) INT.getAcquire(mem, p.control() + M_STATE) == LIVE;
    }

    /** True when the slot holds a monitor (live or closing) but nobody holds its byte lock: its process died. */
    public static boolean abandoned(MonitorPlace p) {
        int state = (int) INT.getAcquire(p.file().mem(), p.control() + M_STATE);
        return state != FREE && !p.file().heldByOthers(p.lockByte(), 1);
    }

    /**
     * Makes a monitor in slot {@code p}: its rings (a TX ring nobody may use, as netmap gives a
     * monitor, and {@code rxRings} RX rings of {@code slots} slots with buffers of the region's
     * pool), its netmap_if, then marks it live and sets its bit in the monitored port's mask, from
     * which moment the monitored port fills it.
     *
     * @param flags    NR_MONITOR_TX, NR_MONITOR_RX, NR_ZCOPY_MON, as the port name asked
     * @param hostWord kept for the host in {@link MonitorLayout#M_HOST}
     * @return the slot's new generation
     */
    public static int create(MonitorPlace p, long flags, int rxRings, int slots, int txSlots, int hostWord,
                             String ifName, String what) throws NetmapException {
        MemorySegment mem = p.file().mem();
        try {
            p.file().reserve(p.control(), controlSize(rxRings));
            p.file().reserve(p.txRing(), RingWriter.ringBytes(txSlots));
            for (int r = 0; r < rxRings; r++) {
                p.file().reserve(p.rxRing(r), RingWriter.ringBytes(slots));
            }
        } catch (ErrnoException e) {
            throw new NetmapException(what + ": no memory for a monitor in " + p.file().path() + " (" + e.getMessage()
                    + ")", e.errno(), e);
        }
        int[] bufs = new int[rxRings * slots];
        int got = p.pool().allocate(bufs, bufs.length);
        if (got < bufs.length) {
            for (int i = 0; i < got; i++) {
                p.pool().free(bufs[i]);
            }
            throw new NetmapException(what + ": the monitored port's memory region has no room for the " + bufs.length
                    + " buffers of a monitor; ask for fewer slots (@conf:slots=)", Errno.ENOMEM, null);
        }
        int gen = mem.get(JAVA_INT, p.control() + M_GEN) + 1;
        mem.asSlice(p.control(), controlSize(rxRings)).fill((byte) 0);
        mem.set(JAVA_INT, p.control() + M_GEN, gen);
        mem.set(JAVA_INT, p.control() + M_FLAGS, (int) flags);
        mem.set(JAVA_INT, p.control() + M_RINGS, rxRings);
        mem.set(JAVA_INT, p.control() + M_SLOTS, slots);
        mem.set(JAVA_INT, p.control() + M_TX_SLOTS, txSlots);
        mem.set(JAVA_INT, p.control() + M_HOST, hostWord);
        RingWriter.init(mem, p.txRing(), p.bufferBase(), txSlots, p.bufferSize(), 0, true, null, 0);
        long[] rx = new long[rxRings];
        for (int r = 0; r < rxRings; r++) {
            RingWriter.init(mem, p.rxRing(r), p.bufferBase(), slots, p.bufferSize(), r, false, bufs, r * slots);
            rx[r] = p.rxRing(r);
        }
        RingWriter.nif(mem, p.nif(), 512, ifName, 0, new long[] {p.txRing()}, rx);
        // release: a monitored port that sees the bit sees the monitor whole
        INT.setRelease(mem, p.control() + M_STATE, LIVE);
        INT.getAndBitwiseOr(mem, p.maskWord(), 1 << p.maskBit());
        return gen;
    }

    /**
     * Tears the monitor in slot {@code p} down: out of the monitored port's mask and marked
     * closing, so that no sync of the monitored port starts filling it; then waits for those
     * filling it now (taking a lock a dead one left), gives its buffers back to the pool (whatever
     * its slots hold now: a zero-copy monitor's buffers have traded places with the port's, the
     * count is the same) and frees the slot.
     */
    public static void destroy(MonitorPlace p, SharedLock.Holders holders) {
        MemorySegment mem = p.file().mem();
        INT.getAndBitwiseAnd(mem, p.maskWord(), ~(1 << p.maskBit()));
        INT.setVolatile(mem, p.control() + M_STATE, DYING);
        int rings = mem.get(JAVA_INT, p.control() + M_RINGS);
        int slots = mem.get(JAVA_INT, p.control() + M_SLOTS);
        if (rings >= 1 && rings <= 64 && slots >= 2 && slots <= MAX_SLOTS) { // else damaged: the buffers are lost
            for (int r = 0; r < rings; r++) {
                SharedLock.awaitFree(mem, p.control() + line(r) + L_LOCK, holders);
                RingWriter.forEachBuffer(mem, p.rxRing(r), slots, p.pool()::free);
            }
        }
        mem.set(JAVA_INT, p.control() + M_GEN, mem.get(JAVA_INT, p.control() + M_GEN) + 1);
        INT.setRelease(mem, p.control() + M_STATE, FREE);
    }

    /** What the host kept in the slot's {@link MonitorLayout#M_HOST} word. */
    public static int hostWord(MemorySegment mem, long control) {
        return mem.get(JAVA_INT, control + M_HOST);
    }

    /** The slot's state: FREE, LIVE or DYING (or a damaged value). */
    public static int state(MemorySegment mem, long control) {
        return (int) INT.getAcquire(mem, control + M_STATE);
    }

    /** The flags a monitor was made with (NR_MONITOR_TX, NR_MONITOR_RX, NR_ZCOPY_MON). */
    public static long flags(MemorySegment mem, long control) {
        return Integer.toUnsignedLong(mem.get(JAVA_INT, control + M_FLAGS));
    }

    /**
     * Refuses a second zero-copy monitor of one port: netmap chains them (the second sees what the
     * first released), which the user backend does not do; a second one here would only trade
     * buffers with the first.
     *
     * @param others the other monitor slots of the same monitored port (or pipe end)
     */
    public static void checkOneZeroCopy(long flags, MonitorPlace[] others, String what) throws NetmapException {
        if (!zeroCopy(flags)) {
            return;
        }
        for (MonitorPlace p : others) {
            MemorySegment mem = p.file().mem();
            if (state(mem, p.control()) == LIVE && zeroCopy(flags(mem, p.control()))) {
                throw new io.netmap4j.core.PortBusyException(what + " failed: the port has a zero-copy monitor "
                        + "already; the user backend allows one per port (netmap chains several, one after the "
                        + "other). Use a copy monitor (/t, /r) beside it", io.netmap4j.abi.Errno.EBUSY, null);
            }
        }
    }

    /** True if a monitor made with {@code flags} is a zero-copy one. */
    public static boolean zeroCopy(long flags) {
        return (flags & NR_ZCOPY_MON) != 0;
    }
}
