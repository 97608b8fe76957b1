package io.netmap4j.user;

import io.netmap4j.abi.Errno;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.PortBusyException;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.monitor.MonitorLayout;
import io.netmap4j.user.monitor.MonitorPlace;
import io.netmap4j.user.monitor.MonitorSlots;
import io.netmap4j.user.monitor.UserMonitorPort;

import java.nio.charset.StandardCharsets;

import static io.netmap4j.abi.NetmapConstants.NR_MONITOR_RX;
import static io.netmap4j.abi.NetmapConstants.NR_MONITOR_TX;
import static io.netmap4j.abi.NetmapConstants.NR_ZCOPY_MON;
import static io.netmap4j.user.PipeLayout.*;

/**
 * Monitors of pipe ends ({@code netmap:x{k/t}, {@code /r}, {@code /z}) on the user backend: a
 * monitor lives in its pipe's area of the region, in one of {@value PipeLayout#MONITORS_PER_PAIR}
 * monitor slots of the pipe, with buffers of the region (so a zero-copy monitor shares the
 * pipe's buffers, as netmap's does).
 */
final class PipeMonitors {
    private PipeMonitors() { }

    /** Where monitor m of pair k, watching end {@code end}, lives. */
    static MonitorPlace place(RegionFile file, BufferPool pool, int k, int end, int m) {
        return new MonitorPlace(file, monitorControl(k, m), monitorNif(k, m), monitorRing(k, m, 0),
                monitorRing(k, m, 1), RING_STRIDE, 0, REGION_SIZE, BUF_BASE, BUF_SIZE, pool, H_BUF_NEXT, MAX_BUFFERS,
                line(k, end) + L_MONITORS, m, monitorLockByte(k, m), NIFS_PER_END + m,
                file.doorbellPath(monitorDoorbellName(k, m)));
    }

    /** The places of every monitor slot of pair k as seen by end {@code end}, for the end's own taps. */
    static MonitorPlace[] places(RegionFile file, BufferPool pool, int k, int end) {
        MonitorPlace[] places = new MonitorPlace[MONITORS_PER_PAIR];
        for (int m = 0; m < places.length; m++) {
            places[m] = place(file, pool, k, end, m);
        }
        return places;
    }

    /** The place of monitor m of pair k as it was made (for the end it watches). */
    static MonitorPlace placeOf(RegionFile file, BufferPool pool, int k, int m) {
        int end = MonitorSlots.hostWord(file.mem(), monitorControl(k, m)) == SLAVE ? SLAVE : MASTER;
        return place(file, pool, k, end, m);
    }

    /** The liveness test of whoever holds a lock of the region's monitors (0: nobody of ours). */
    static LockTokens tokens(RegionFile file, long mine) {
        return new LockTokens(file, mine, PipeLayout::genFieldOf);
    }

    /** Opens the monitor {@code spec} of a pipe end that is open somewhere. */
    static NetmapPort open(PortSpec spec, UserBackend backend, String what) throws NetmapException {
        long flags = spec.flags();
        if ((flags & NR_ZCOPY_MON) != 0) {
            flags |= NR_MONITOR_TX | NR_MONITOR_RX; // as netmap: a zero-copy monitor sees both ways
        }
        int end = spec.pipeEnd() == PortSpec.PipeEnd.MASTER ? MASTER : SLAVE;
        RegionFile file = RegionFile.openLocked(UserBackend.shmDir(), PipeRegistration.regionBase(spec.portName()),
                what, FORMAT);
        BufferPool pool = new BufferPool(file);
        PairTable pairs = new PairTable(file, pool);
        MonitorPlace place = null;
        Host host;
        int gen;
        try {
            if (!file.heldByOthers(0, ALL_LOCKS)) {
                pairs.resetUnused();
            }
            int k = pairs.find(spec.pipeId().getBytes(StandardCharsets.UTF_8));
            if (k < 0 || !pairs.endHeld(k, end)) {
                throw new NetmapException(what + " failed: " + spec.requestName() + " is not open; a monitor watches a "
                        + "port in use (netmap wants it in netmap mode). Open the pipe end first", Errno.EINVAL, null);
            }
            MonitorPlace[] ofThisEnd = new MonitorPlace[MONITORS_PER_PAIR];
            int n = 0;
            for (int m = 0; m < MONITORS_PER_PAIR; m++) {
                MonitorPlace p = placeOf(file, pool, k, m);
                if (MonitorSlots.hostWord(file.mem(), p.control()) == end) {
                    ofThisEnd[n++] = p;
                }
            }
            MonitorSlots.checkOneZeroCopy(flags, java.util.Arrays.copyOf(ofThisEnd, n), what);
            for (int m = 0; m < MONITORS_PER_PAIR && place == null; m++) {
                MonitorPlace p = placeOf(file, pool, k, m);
                if (MonitorSlots.abandoned(p)) {
                    MonitorSlots.destroy(p, tokens(file, 0)); // left by a process that died
                }
                if (MonitorSlots.state(file.mem(), p.control()) == MonitorLayout.FREE && file.tryLockByte(p.lockByte())) {
                    place = place(file, pool, k, end, m);
                }
            }
            if (place == null) {
                throw new PortBusyException(what + " failed: the pipe already has " + MONITORS_PER_PAIR
                        + " monitors, the most the user backend supports; close one first", Errno.EBUSY, null);
            }
            int txSlots = pairs.slots(k, end == MASTER);
            int rxSlots = pairs.slots(k, end != MASTER);
            if (!PairTable.validSlots(txSlots) || !PairTable.validSlots(rxSlots)) {
                throw new NetmapException(what + ": the pipe's shared state is damaged (" + txSlots + "/" + rxSlots
                        + " slots); close both ends to reset it");
            }
            int slots = Math.max(2, Math.min(MonitorLayout.MAX_SLOTS, spec.rxSlots() > 0 ? spec.rxSlots() : rxSlots));
            gen = MonitorSlots.create(place, flags, 1, slots, Math.min(MonitorLayout.MAX_SLOTS, txSlots), end,
                    spec.requestName(), what);
            host = new Host(file, pool, k, end, place);
            file.unlock();
        } catch (NetmapException | RuntimeException e) {
            if (place != null) {
                file.unlockByte(place.lockByte()); // create either finished nothing or threw before the slot was live
            }
            try {
                if (!file.heldByOthers(0, ALL_LOCKS)) {
                    pairs.unlinkRegion();
                }
            } finally {
                file.unlock();
                file.close();
            }
            throw e;
        }
        return UserMonitorPort.open(spec, backend, place, host, 0, gen, what); // releases the host on failure
    }

    /** A monitor's link to its pipe: whether the end it watches lives, and how it goes away. */
    private record Host(RegionFile file, BufferPool pool, int pair, int end, MonitorPlace place)
            implements UserMonitorPort.Host {
        @Override
        public boolean monitoredAlive() {
            return new PairTable(file, pool).endHeld(pair, end);
        }

        @Override
        public void release() {
            PairTable pairs = new PairTable(file, pool);
            try {
                file.lock();
            } catch (NetmapException e) {
                file.close(); // the lock byte goes with the descriptor; the slot is reaped later
                return;
            }
            try {
                MonitorSlots.destroy(place, tokens(file, 0));
                file.unlockByte(place.lockByte());
                if (!pairs.endHeld(pair, MASTER) && !pairs.endHeld(pair, SLAVE) && !pairs.monitorsHeld(pair)) {
                    pairs.destroy(pair);
                }
                if (!file.heldByOthers(0, ALL_LOCKS)) {
                    pairs.unlinkRegion();
                }
            } finally {
                file.unlock();
                file.close();
            }
        }
    }
}
