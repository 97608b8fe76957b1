package io.netmap4j.user.vale;

import io.netmap4j.abi.Errno;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.PortBusyException;
import io.netmap4j.user.BufferPool;
import io.netmap4j.user.RegionFile;
import io.netmap4j.user.RingWriter;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

import static io.netmap4j.abi.gen.netmap_if.ni_bufs_head$offset;
import static io.netmap4j.user.vale.SwitchLayout.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * One registration of a VALE port (what a REGISTER of {@code valeS:P} is for the kernel): it
 * opens the switch's file, makes the port if this is its first user, takes a registration slot
 * with its own netmap_if and extra buffers, and says which rings it binds. Undone exactly by
 * {@link #unregister()}, which retires the port after its last registration and removes the
 * switch file after its last user.
 */
final class ValeRegistration {
    private static final VarHandle INT = JAVA_INT.varHandle();

    /** What the user asked for, taken from the port name. */
    record Request(String what, String dir, String switchName, String portName, String ifName,
                   SwitchPorts.Geometry geometry, boolean oneRing, int ring, boolean bindTx, boolean bindRx,
                   boolean exclusive, int extraBuffers) { }

    final RegionFile file;
    final int port;
    final int portGen;
    final int registration;
    final int registrationGen;
    final SwitchPorts.Geometry geometry;
    /** Bound rings: TX {@code [firstTx, lastTx)}, RX {@code [firstRx, lastRx)}; empty when not bound. */
    final int firstTx;
    final int lastTx;
    final int firstRx;
    final int lastRx;
    final boolean exclusive;
    final int extraBuffers;

    private ValeRegistration(RegionFile file, int port, int portGen, int registration, int registrationGen,
                             SwitchPorts.Geometry geometry, int firstTx, int lastTx, int firstRx, int lastRx,
                             boolean exclusive, int extraBuffers) {
        this.file = file;
        this.port = port;
        this.portGen = portGen;
        this.registration = registration;
        this.registrationGen = registrationGen;
        this.geometry = geometry;
        this.firstTx = firstTx;
        this.lastTx = lastTx;
        this.firstRx = firstRx;
        this.lastRx = lastRx;
        this.exclusive = exclusive;
        this.extraBuffers = extraBuffers;
    }

    /** The file name (without {@code .shm}) of switch {@code switchName}: that of a pipe parent {@code @S}, which no pipe can have. */
    static String fileBase(String switchName) {
        return "netmap4j-%40" + switchName;
    }

    /** Offset in the file of this registration's port area. */
    long base() {
        return SwitchLayout.port(port);
    }

    /** Offset of this registration's netmap_if in its port's area. */
    long nif() {
        return SwitchLayout.nif(registration);
    }

    /** This registration's lock token. */
    long token() {
        return registrationToken(port, registration, registrationGen);
    }

    static ValeRegistration register(Request r) throws NetmapException {
        RegionFile file = RegionFile.openLocked(r.dir(), fileBase(r.switchName()), r.what(), FORMAT);
        SwitchPorts ports = new SwitchPorts(file);
        MemorySegment mem = file.mem();
        int k = -1;
        int j = -1;
        boolean created = false;
        boolean exclusiveTaken = false;
        try {
            if (!ports.anyHeld()) {
                file.initHeader(); // nobody alive uses this switch: start afresh
                ports.restoreReservations(r.dir(), r.switchName());
            }
            ports.reap();
            k = ports.findLive(r.portName());
            if (k >= 0) {
                if (r.exclusive() || file.heldByOthers(exclusiveLockByte(k), 1)) {
                    throw new PortBusyException(r.what() + ": this VALE port is busy: it is open "
                            + (r.exclusive() ? "already, and /x asks for it alone" : "exclusively (/x) by another user")
                            + ". Close the other registration first", Errno.EBUSY, null);
                }
            } else if ((k = ports.find(r.portName(), RESERVED)) >= 0) {
                ports.activate(k, r.what()); // an attached persistent interface: its place and geometry
                created = true;
            } else {
                checkNotPersistent(r, ports);
                k = ports.create(r.portName(), r.geometry(), r.what());
                created = true;
            }
            SwitchPorts.Geometry g = ports.geometry(k);
            if (!SwitchPorts.valid(g)) {
                throw new NetmapException(r.what() + ": the switch's shared state is damaged (port geometry " + g
                        + "); close every port of the switch to reset it");
            }
            ports.restoreGeometry(k, g);
            int firstTx = 0;
            int lastTx = g.txRings();
            int firstRx = 0;
            int lastRx = g.rxRings();
            if (r.oneRing()) {
                if (r.ring() >= g.txRings() && r.bindTx() || r.ring() >= g.rxRings() && r.bindRx()) {
                    throw new NetmapException(r.what() + ": the port has " + g.txRings() + " TX and " + g.rxRings()
                            + " RX rings; there is no ring pair " + r.ring(), Errno.EINVAL, null);
                }
                firstTx = firstRx = r.ring();
                lastTx = lastRx = r.ring() + 1;
            }
            if (!r.bindTx()) {
                firstTx = lastTx = 0;
            }
            if (!r.bindRx()) {
                firstRx = lastRx = 0;
            }
            for (int s = 0; s < NIFS_PER_PORT && j < 0; s++) {
                if (file.tryLockByte(registrationLockByte(k, s))) {
                    j = s;
                }
            }
            if (j < 0) {
                throw new PortBusyException(r.what() + ": this VALE port is already open " + NIFS_PER_PORT
                        + " times, the most the user backend supports", Errno.EBUSY, null);
            }
            if (r.exclusive()) {
                exclusiveTaken = file.tryLockByte(exclusiveLockByte(k));
            }
            long base = SwitchLayout.port(k);
            long nif = base + SwitchLayout.nif(j);
            BufferPool pool = ports.pool(k);
            pool.freeList(mem.get(JAVA_INT, nif + ni_bufs_head$offset())); // left by a registration that died
            int[] extra = new int[Math.max(0, r.extraBuffers())];
            int granted = pool.allocate(extra, extra.length); // may be fewer, as in netmap
            for (int i = 0; i < granted; i++) {
                mem.set(JAVA_INT, base + SwitchLayout.buffer(extra[i]), i + 1 < granted ? extra[i + 1] : 0);
            }
            writeNif(mem, base, nif, r.ifName(), g, granted > 0 ? extra[0] : 0, firstTx, lastTx, firstRx, lastRx);
            int rxMask = lastRx > firstRx ? ((1 << lastRx) - 1) & ~((1 << firstRx) - 1) : 0;
            mem.set(JAVA_INT, base + C_REG_RX + 4L * j, rxMask);
            ports.updateOpenRings(k, j, true);
            long genField = registrationGen(k, j);
            int regGen = mem.get(JAVA_INT, genField) + 1;
            INT.setRelease(mem, genField, regGen);
            ValeRegistration reg = new ValeRegistration(file, k, ports.gen(k), j, regGen, g, firstTx, lastTx, firstRx,
                    lastRx, exclusiveTaken, granted);
            file.unlock();
            return reg;
        } catch (NetmapException | RuntimeException e) {
            if (j >= 0) {
                mem.set(JAVA_INT, SwitchLayout.port(k) + C_REG_RX + 4L * j, 0);
                file.unlockByte(registrationLockByte(k, j));
            }
            if (exclusiveTaken) {
                file.unlockByte(exclusiveLockByte(k));
            }
            if (k >= 0 && (created || j >= 0) && !ports.registrationsHeld(k)) {
                ports.retire(k);
            }
            if (!ports.anyHeld()) {
                file.unlinkWithDoorbells();
            }
            file.unlock();
            file.close();
            throw e;
        }
    }

    /**
     * A persistent interface opens through the switch it is attached to, as in netmap, where
     * {@code valeS:P} of an existing interface P that S does not hold is refused.
     */
    private static void checkNotPersistent(Request r, SwitchPorts ports) throws NetmapException {
        int zombie = ports.find(r.portName(), ZOMBIE);
        if (zombie >= 0 && ports.persistent(zombie)) {
            throw new PortBusyException(r.what() + ": the persistent interface " + r.portName() + " is still held by "
                    + "monitors of its last open; close them first", Errno.EBUSY, null);
        }
        InterfaceRegistry.Entry e = InterfaceRegistry.read(r.dir()).get(r.portName());
        if (e != null) {
            throw new NetmapException(r.what() + ": " + r.portName() + " is a persistent VALE interface, "
                    + (e.attachedTo() == null ? "not attached to a switch" : "attached to " + e.attachedTo())
                    + "; attach it to " + r.switchName() + " first (vale-ctl -a " + r.switchName() + ":" + r.portName()
                    + ")", Errno.EINVAL, null);
        }
    }

    private static void writeNif(MemorySegment mem, long base, long nif, String ifName, SwitchPorts.Geometry g,
                                 int bufsHead, int firstTx, int lastTx, int firstRx, int lastRx) {
        long[] tx = new long[g.txRings()];
        long[] rx = new long[g.rxRings()];
        for (int r = 0; r < tx.length; r++) {
            tx[r] = r >= firstTx && r < lastTx ? base + txRing(r) : -1;
        }
        for (int r = 0; r < rx.length; r++) {
            rx[r] = r >= firstRx && r < lastRx ? base + rxRing(r) : -1;
        }
        RingWriter.nif(mem, nif, NIF_SIZE, ifName, bufsHead, tx, rx);
    }

    /**
     * Gives everything back: this registration's extra buffers (whatever list ni_bufs_head names
     * now), its locks, then the port if no registration holds it any more, then the switch file
     * if nobody holds anything in it. Closing the descriptor at the end drops any lock left.
     */
    void unregister() {
        MemorySegment mem = file.mem();
        SwitchPorts ports = new SwitchPorts(file);
        try {
            file.lock();
        } catch (NetmapException e) {
            file.close(); // the locks go with the descriptor; the port is reaped by the next opener
            return;
        }
        try {
            long base = base();
            long nif = base + nif();
            ports.pool(port).freeList(mem.get(JAVA_INT, nif + ni_bufs_head$offset()));
            mem.set(JAVA_INT, nif + ni_bufs_head$offset(), 0);
            mem.set(JAVA_INT, base + C_REG_RX + 4L * registration, 0);
            if (exclusive) {
                file.unlockByte(exclusiveLockByte(port));
            }
            file.unlockByte(registrationLockByte(port, registration));
            if (ports.state(port) == LIVE && ports.gen(port) == portGen) {
                if (ports.registrationsHeld(port)) {
                    ports.updateOpenRings(port, -1, false);
                } else {
                    ports.retire(port);
                }
            }
            ports.reap();
            if (!ports.anyHeld()) {
                file.unlinkWithDoorbells();
            }
        } finally {
            file.unlock();
            file.close();
        }
    }
}
