package io.netmap4j.user.vale;

import io.netmap4j.abi.Errno;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.PortBusyException;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.RegionFile;
import io.netmap4j.user.UserBackend;
import io.netmap4j.user.monitor.MonitorLayout;
import io.netmap4j.user.monitor.MonitorPlace;
import io.netmap4j.user.monitor.MonitorSlots;
import io.netmap4j.user.monitor.UserMonitorPort;

import static io.netmap4j.abi.NetmapConstants.NR_MONITOR_RX;
import static io.netmap4j.abi.NetmapConstants.NR_MONITOR_TX;
import static io.netmap4j.abi.NetmapConstants.NR_ZCOPY_MON;
import static io.netmap4j.user.vale.SwitchLayout.*;

/**
 * Monitors of VALE ports ({@code valeS:P/t}, {@code /r}, {@code /z}) on the user backend: a
 * monitor lives in the area of the port it watches (so a zero-copy monitor shares its buffers),
 * in one of {@value SwitchLayout#MONITORS_PER_PORT} monitor slots.
 */
final class ValeMonitors {
    private ValeMonitors() { }

    /** Where monitor {@code m} of port {@code k} of the switch in {@code file} lives. */
    static MonitorPlace place(RegionFile file, int k, int m) {
        long base = port(k);
        return new MonitorPlace(file, base + monitorControl(m), base + monitorNif(m), base + monitorRing(m, 0),
                base + monitorRing(m, 1), RING_STRIDE, base, PORT_STRIDE, base + PORT_BUF_BASE, BUF_SIZE,
                new SwitchPorts(file).pool(k), base + C_BUF_NEXT, MAX_PORT_BUFFERS, base + C_MON_MASK, m,
                monitorLockByte(k, m), monitorDoorbell(k, m), file.doorbellPath(doorbellName(monitorDoorbell(k, m))));
    }

    /** The places of every monitor slot of port {@code k}, for the port's own taps. */
    static MonitorPlace[] places(RegionFile file, int k) {
        MonitorPlace[] places = new MonitorPlace[MONITORS_PER_PORT];
        for (int m = 0; m < places.length; m++) {
            places[m] = place(file, k, m);
        }
        return places;
    }

    /** Opens the monitor {@code spec} of a VALE port that is open somewhere. */
    static NetmapPort open(PortSpec spec, UserBackend backend, String what) throws NetmapException {
        long flags = spec.flags();
        if ((flags & NR_ZCOPY_MON) != 0) {
            flags |= NR_MONITOR_TX | NR_MONITOR_RX; // as netmap: a zero-copy monitor sees both ways
        }
        RegionFile file = RegionFile.openLocked(UserBackend.shmDir(), ValeRegistration.fileBase(spec.valeSwitch()),
                what, FORMAT);
        SwitchPorts ports = new SwitchPorts(file);
        MonitorPlace place = null;
        Host host;
        long monitoredArea;
        int gen;
        try {
            if (!ports.anyHeld()) {
                file.initHeader();
                ports.restoreReservations(UserBackend.shmDir(), spec.valeSwitch());
            }
            ports.reap();
            int k = ports.findLive(spec.portName());
            if (k < 0) {
                throw new NetmapException(what + " failed: " + spec.requestName() + " is not open; a monitor watches a "
                        + "port in use (netmap wants it in netmap mode). Open the port first", Errno.EINVAL, null);
            }
            MonitorSlots.checkOneZeroCopy(flags, places(file, k), what);
            for (int i = 0; i < MONITORS_PER_PORT && place == null; i++) {
                MonitorPlace p = place(file, k, i);
                if (MonitorSlots.abandoned(p)) {
                    MonitorSlots.destroy(p, tokens(file, 0)); // left by a process that died
                }
                if (!MonitorSlots.live(file.mem(), p) && file.tryLockByte(p.lockByte())) {
                    place = p;
                }
            }
            if (place == null) {
                throw new PortBusyException(what + " failed: " + spec.requestName() + " already has "
                        + MONITORS_PER_PORT + " monitors, the most the user backend supports; close one first",
                        Errno.EBUSY, null);
            }
            SwitchPorts.Geometry g = ports.geometry(k);
            int rings = Math.max(g.txRings(), g.rxRings());
            int slots = spec.rxSlots() > 0 ? Math.max(2, Math.min(MonitorLayout.MAX_SLOTS, spec.rxSlots())) : g.rxSlots();
            gen = MonitorSlots.create(place, flags, rings, slots, g.txSlots(), 0, spec.requestName(), what);
            int portGen = ports.gen(k);
            monitoredArea = (long) portGen << 8 | (k + 1);
            host = new Host(file, k, portGen, place);
            file.unlock();
        } catch (NetmapException | RuntimeException e) {
            if (place != null) {
                file.unlockByte(place.lockByte()); // create either finished nothing or threw before the slot was live
            }
            try {
                if (!ports.anyHeld()) {
                    file.unlinkWithDoorbells();
                }
            } finally {
                file.unlock();
                file.close();
            }
            throw e;
        }
        return UserMonitorPort.open(spec, backend, place, host, monitoredArea, gen, what); // releases the host on failure
    }

    /** A monitor's link to its switch: whether the port it watches lives, and how it goes away. */
    private record Host(RegionFile file, int port, int portGen, MonitorPlace place) implements UserMonitorPort.Host {
        @Override
        public boolean monitoredAlive() {
            SwitchPorts ports = new SwitchPorts(file);
            return ports.state(port) == LIVE && ports.gen(port) == portGen && ports.registrationsHeld(port);
        }

        @Override
        public void release() {
            SwitchPorts ports = new SwitchPorts(file);
            try {
                file.lock();
            } catch (NetmapException e) {
                file.close(); // the lock byte goes with the descriptor; the slot is reaped later
                return;
            }
            try {
                MonitorSlots.destroy(place, tokens(file, 0));
                file.unlockByte(place.lockByte());
                ports.reap(); // frees the port too if it was only kept for its monitors
                if (!ports.anyHeld()) {
                    file.unlinkWithDoorbells();
                }
            } finally {
                file.unlock();
                file.close();
            }
        }
    }
}
