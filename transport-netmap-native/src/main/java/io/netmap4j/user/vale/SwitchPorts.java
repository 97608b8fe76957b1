package io.netmap4j.user.vale;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.ErrnoException;
import io.netmap4j.core.NetmapException;
import io.netmap4j.user.BufferPool;
import io.netmap4j.user.LockTokens;
import io.netmap4j.user.RegionFile;
import io.netmap4j.user.RingWriter;
import io.netmap4j.user.SharedLock;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static io.netmap4j.user.vale.SwitchLayout.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The port table of a switch file: which slot holds which port, how a port is made, retired and
 * freed, and which ports were left by processes that died. As in netmap, an ephemeral port comes
 * into being when it is first opened and goes with its last user. Used with the file lock held
 * (opens, closes, control requests), never on the data path.
 *
 * <p>The table is shared memory that other processes may have damaged; a value that makes no
 * sense is treated as a free slot (its memory is lost until the switch file is removed) rather
 * than followed.
 */
final class SwitchPorts {
    private static final VarHandle INT = JAVA_INT.varHandle();
    private static final VarHandle LONG = JAVA_LONG.varHandle();

    /** What a new port looks like. */
    record Geometry(int txRings, int rxRings, int txSlots, int rxSlots) { }

    private final RegionFile file;
    private final MemorySegment mem;

    SwitchPorts(RegionFile file) {
        this.file = file;
        this.mem = file.mem();
    }

    int state(int port) {
        return (int) INT.getAcquire(mem, entry(port) + P_STATE);
    }

    int gen(int port) {
        return (int) INT.getAcquire(mem, entry(port) + P_GEN);
    }

    boolean persistent(int port) {
        return (mem.get(JAVA_INT, entry(port) + P_FLAGS) & PERSISTENT) != 0;
    }

    /** The port's name (without the switch), or null when the entry is damaged. */
    String name(int port) {
        int len = mem.get(JAVA_INT, entry(port) + P_NAME_LEN);
        if (len <= 0 || len > P_NAME_MAX) {
            return null;
        }
        return new String(mem.asSlice(entry(port) + P_NAME, len).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
    }

    /** The live port named {@code name}, or -1. */
    int findLive(String name) {
        return find(name, LIVE);
    }

    /** The port named {@code name} in state {@code state}, or -1. */
    int find(String name, int state) {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        for (int k = 0; k < MAX_PORTS; k++) {
            if (state(k) == state && mem.get(JAVA_INT, entry(k) + P_NAME_LEN) == b.length
                    && Arrays.equals(mem.asSlice(entry(k) + P_NAME, b.length).toArray(JAVA_BYTE), b)) {
                return k;
            }
        }
        return -1;
    }

    Geometry geometry(int port) {
        long c = port(port);
        return new Geometry(mem.get(JAVA_INT, c + C_TX_RINGS), mem.get(JAVA_INT, c + C_RX_RINGS),
                mem.get(JAVA_INT, c + C_TX_SLOTS), mem.get(JAVA_INT, c + C_RX_SLOTS));
    }

    /** True if the geometry stored for a port is one this layout can hold (it may be damaged). */
    static boolean valid(Geometry g) {
        return g.txRings() >= 1 && g.txRings() <= MAX_RINGS && g.rxRings() >= 1 && g.rxRings() <= MAX_RINGS
                && g.txSlots() >= 2 && g.txSlots() <= MAX_SLOTS && g.rxSlots() >= 2 && g.rxSlots() <= MAX_SLOTS;
    }

    /** The buffer pool of port {@code port}'s region. */
    BufferPool pool(int port) {
        long c = port(port);
        return new BufferPool(file, c + C_BUF_NEXT, c + C_BUF_FREE, c + PORT_BUF_BASE, BUF_SIZE, MAX_PORT_BUFFERS);
    }

    /** True while some process holds a registration of port {@code port}. */
    boolean registrationsHeld(int port) {
        return file.heldByOthers(registrationLockByte(port, 0), NIFS_PER_PORT);
    }

    /** True while some process holds a monitor of port {@code port}. */
    boolean monitorsHeld(int port) {
        return file.heldByOthers(monitorLockByte(port, 0), MONITORS_PER_PORT);
    }

    /** True while anybody holds anything in the switch: the file must stay. */
    boolean anyHeld() {
        return file.heldByOthers(0, LOCK_RANGE);
    }

    /**
     * Retires the ports whose registrations all died (their processes were killed), and frees
     * the retired ones whose monitors are gone too. Every open and close does this, so a port a
     * dead process left stops receiving copies at the next open or close in the switch.
     */
    void reap() {
        for (int k = 0; k < MAX_PORTS; k++) {
            int s = state(k);
            if (s == LIVE && !registrationsHeld(k)) {
                retire(k);
            } else if (s == ZOMBIE && !monitorsHeld(k)) {
                leave(k);
            } else if (s != FREE && s != LIVE && s != ZOMBIE && s != RESERVED) {
                free(k); // damaged: nobody can use it
            }
        }
    }

    /**
     * Makes port {@code name} in a free slot: its rings with fresh buffers, indices as netmap
     * leaves them after REGISTER (TX: head = cur = 0, tail = n - 1; RX: all 0), then marks it
     * live.
     *
     * @return the port's slot
     */
    int create(String name, Geometry g, String what) throws NetmapException {
        int k = freeSlot(what);
        build(k, name, g, 0, what);
        return k;
    }

    /** The lowest free slot. */
    int freeSlot(String what) throws NetmapException {
        for (int i = 0; i < MAX_PORTS; i++) {
            if (state(i) == FREE) {
                return i;
            }
        }
        throw new NetmapException(what + ": the switch already has " + MAX_PORTS
                + " ports, the most netmap allows; close some first", Errno.ENOMEM, null);
    }

    /**
     * Keeps slot {@code k} for the attached persistent interface {@code name} of geometry
     * {@code g}, which nobody has open: listed, not live.
     */
    void reserve(int k, String name, Geometry g) {
        long base = port(k);
        mem.asSlice(base, C_SLEEP).fill((byte) 0);
        mem.set(JAVA_INT, base + C_TX_RINGS, g.txRings());
        mem.set(JAVA_INT, base + C_RX_RINGS, g.rxRings());
        mem.set(JAVA_INT, base + C_TX_SLOTS, g.txSlots());
        mem.set(JAVA_INT, base + C_RX_SLOTS, g.rxSlots());
        setName(k, name, PERSISTENT);
        INT.setRelease(mem, entry(k) + P_STATE, RESERVED);
    }

    /** Makes the reserved port {@code k} (a persistent interface) live, with the geometry it keeps. */
    void activate(int k, String what) throws NetmapException {
        Geometry g = geometry(k);
        if (!valid(g)) {
            throw new NetmapException(what + ": the switch's shared state is damaged (port geometry " + g
                    + "); close every port of the switch to reset it");
        }
        build(k, name(k), g, PERSISTENT, what);
    }

    /**
     * The attached persistent interfaces of the registry that belong to this switch get their
     * places back: after a fresh start of the switch file (its processes all gone, the file
     * removed or reset), as they were.
     */
    void restoreReservations(String dir, String valeSwitch) {
        for (InterfaceRegistry.Entry e : InterfaceRegistry.attachedTo(dir, valeSwitch)) {
            if (e.index() >= 0 && e.index() < MAX_PORTS && state(e.index()) == FREE && valid(e.geometry())) {
                reserve(e.index(), e.name(), e.geometry());
            }
        }
    }

    private void setName(int k, String name, int flags) {
        long e = entry(k);
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        mem.asSlice(e + P_NAME, P_NAME_MAX).fill((byte) 0);
        MemorySegment.copy(MemorySegment.ofArray(n), 0, mem, e + P_NAME, n.length);
        mem.set(JAVA_INT, e + P_NAME_LEN, n.length);
        mem.set(JAVA_INT, e + P_FLAGS, flags);
        mem.set(JAVA_INT, e + P_GEN, mem.get(JAVA_INT, e + P_GEN) + 1);
    }

    /** Builds port {@code k}'s rings and makes it live. */
    private void build(int k, String name, Geometry g, int flags, String what) throws NetmapException {
        long needed = (long) g.txRings() * g.txSlots() + (long) g.rxRings() * g.rxSlots();
        if (needed > MAX_PORT_BUFFERS - 2) {
            throw new NetmapException(what + ": " + g.txRings() + " TX rings of " + g.txSlots() + " slots and "
                    + g.rxRings() + " RX rings of " + g.rxSlots() + " slots need " + needed + " buffers; a VALE port "
                    + "of the user backend has room for " + (MAX_PORT_BUFFERS - 2) + ". Ask for fewer rings or slots "
                    + "(@conf:rings=, slots=)", Errno.ENOMEM, null);
        }
        long base = port(k);
        try {
            file.reserve(base, NIF_AREA + (NIFS_PER_PORT + MONITORS_PER_PORT) * NIF_SIZE);
            file.reserve(base + txRing(0), g.txRings() * RING_STRIDE);
            file.reserve(base + rxRing(0), g.rxRings() * RING_STRIDE);
        } catch (ErrnoException e) {
            throw new NetmapException(what + ": no memory for a port in " + file.path() + " (" + e.getMessage() + ")",
                    e.errno(), e);
        }
        mem.asSlice(base, NIF_AREA).fill((byte) 0);
        mem.set(JAVA_INT, base + C_TX_RINGS, g.txRings());
        mem.set(JAVA_INT, base + C_RX_RINGS, g.rxRings());
        mem.set(JAVA_INT, base + C_TX_SLOTS, g.txSlots());
        mem.set(JAVA_INT, base + C_RX_SLOTS, g.rxSlots());
        BufferPool pool = pool(k);
        pool.reset();
        int[] bufs = new int[g.txRings() * g.txSlots() + g.rxRings() * g.rxSlots()];
        if (pool.allocate(bufs, bufs.length) < bufs.length) {
            throw new NetmapException(what + ": the port's region has no room for " + bufs.length + " buffers",
                    Errno.ENOMEM, null); // cannot happen after the check above; said clearly if it does
        }
        int next = 0;
        for (int r = 0; r < g.txRings(); r++) {
            initRing(base, txRing(r), r, g.txSlots(), true, bufs, next);
            next += g.txSlots();
        }
        for (int r = 0; r < g.rxRings(); r++) {
            initRing(base, rxRing(r), r, g.rxSlots(), false, bufs, next);
            next += g.rxSlots();
        }
        setName(k, name, flags);
        // release: a sender that sees the port live (bitmap or learning table) sees it whole
        INT.setRelease(mem, entry(k) + P_STATE, LIVE);
        LONG.getAndBitwiseOr(mem, H_LIVE + 8L * (k >>> 6), 1L << (k & 63));
    }

    private void initRing(long base, long ringOffset, int index, int slots, boolean tx, int[] bufs, int first) {
        RingWriter.init(mem, base + ringOffset, base + PORT_BUF_BASE, slots, BUF_SIZE, index, tx, bufs, first);
    }

    /**
     * Writes the constant header fields of a live port's rings again, from the port's geometry
     * (checked by the caller). Any process of the switch can write them like any byte of the
     * file, and a new registration maps the rings by them: so a header a broken process damaged
     * does not make the port unusable, while head, cur and tail stay as they are (the syncs check
     * those).
     */
    void restoreGeometry(int port, Geometry g) {
        long base = port(port);
        for (int r = 0; r < g.txRings(); r++) {
            RingWriter.geometry(mem, base + txRing(r), base + PORT_BUF_BASE, g.txSlots(), BUF_SIZE, r, true);
        }
        for (int r = 0; r < g.rxRings(); r++) {
            RingWriter.geometry(mem, base + rxRing(r), base + PORT_BUF_BASE, g.rxSlots(), BUF_SIZE, r, false);
        }
    }

    /**
     * Takes a port out of the switch once no registration holds it: out of the live bitmap and
     * marked ZOMBIE, so that no sender starts copying into it; then waits for the senders that
     * already hold one of its RX rings' locks to finish. Freed at once unless monitors hold it.
     */
    void retire(int port) {
        long e = entry(port);
        LONG.getAndBitwiseAnd(mem, H_LIVE + 8L * (port >>> 6), ~(1L << (port & 63)));
        INT.setVolatile(mem, e + P_STATE, ZOMBIE);
        INT.setVolatile(mem, port(port) + C_MON_MASK, 0); // its monitors see it gone
        LockTokens anyone = tokens(file, 0);
        long base = port(port);
        for (int r = 0; r < MAX_RINGS; r++) {
            SharedLock.awaitFree(mem, base + rxLine(r) + D_LOCK, anyone);
        }
        if (!monitorsHeld(port)) {
            leave(port);
        }
    }

    /**
     * A retired port whose monitors are gone too leaves its slot: free, or reserved again for a
     * persistent interface (whose next open makes new rings, as netmap makes new krings).
     */
    private void leave(int port) {
        if (persistent(port)) {
            Geometry g = geometry(port);
            reserve(port, name(port), g);
        } else {
            free(port);
        }
    }

    /** Makes a retired port's slot free for another port. */
    void free(int port) {
        long e = entry(port);
        LONG.getAndBitwiseAnd(mem, H_LIVE + 8L * (port >>> 6), ~(1L << (port & 63)));
        mem.set(JAVA_INT, e + P_GEN, mem.get(JAVA_INT, e + P_GEN) + 1);
        mem.set(JAVA_INT, e + P_FLAGS, 0);
        INT.setRelease(mem, e + P_STATE, FREE);
    }

    /**
     * Recomputes which RX rings of a port some live registration binds. Registration
     * {@code self} is the caller's own, whose byte lock this file's descriptor holds and so does
     * not see: it counts if {@code selfOpen}.
     */
    void updateOpenRings(int port, int self, boolean selfOpen) {
        long c = port(port);
        int open = 0;
        for (int j = 0; j < NIFS_PER_PORT; j++) {
            if (j == self ? selfOpen : file.heldByOthers(registrationLockByte(port, j), 1)) {
                open |= mem.get(JAVA_INT, c + C_REG_RX + 4L * j);
            }
        }
        INT.setRelease(mem, c + C_RX_OPEN, open);
    }
}
