package io.netmap4j.user;

import io.netmap4j.core.NetmapException;
import io.netmap4j.core.PortBusyException;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;

import static io.netmap4j.abi.NetmapConstants.NETMAP_API;
import static io.netmap4j.abi.NetmapConstants.NI_PRIV_MEM;
import static io.netmap4j.user.PipeLayout.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * One registration of a pipe end (what a REGISTER on a file descriptor is for the kernel): it
 * creates the pipe if this is its first end, takes a registration slot with its own netmap_if
 * and extra buffers, and marks the end open. Undone exactly by {@link #unregister()}, which also
 * destroys the pipe after its last registration and removes the region file after the last
 * pipe.
 */
final class PipeRegistration {
    private static final VarHandle INT = JAVA_INT.varHandle();

    /** What the user asked for, taken from the port name. */
    record Request(String what, String dir, String parent, String id, int end, int txSlots, int rxSlots,
                   int extraBuffers, boolean exclusive, boolean bindTx, boolean bindRx, String ifName) { }

    final RegionFile file;
    final BufferPool pool;
    final int pair;
    final int end;
    final int registration;
    /** This registration's open generation: with its byte lock, it names it in lock tokens. */
    final int registrationGen;
    final boolean exclusive;
    final int txSlots;
    final int rxSlots;
    final int extraBuffers;
    final long nif;

    private PipeRegistration(RegionFile file, BufferPool pool, int pair, int end, int registration, int registrationGen,
                             boolean exclusive, int txSlots, int rxSlots, int extraBuffers) {
        this.file = file;
        this.pool = pool;
        this.pair = pair;
        this.end = end;
        this.registration = registration;
        this.registrationGen = registrationGen;
        this.exclusive = exclusive;
        this.txSlots = txSlots;
        this.rxSlots = rxSlots;
        this.extraBuffers = extraBuffers;
        this.nif = PipeLayout.nif(pair, end, registration);
    }

    static String regionBase(String parent) {
        StringBuilder b = new StringBuilder("netmap4j-");
        for (byte c : parent.getBytes(StandardCharsets.UTF_8)) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
                b.append((char) c);
            } else {
                b.append('%').append(String.format("%02X", c & 0xff));
            }
        }
        return b.toString();
    }

    static PipeRegistration register(Request r) throws NetmapException {
        byte[] id = r.id().getBytes(StandardCharsets.UTF_8);
        RegionFile file = RegionFile.openLocked(r.dir(), regionBase(r.parent()), r.what(), PipeLayout.FORMAT);
        BufferPool pool = new BufferPool(file);
        PairTable pairs = new PairTable(file, pool);
        MemorySegment mem = file.mem();
        int k = -1;
        int j = -1;
        boolean exclusiveTaken = false;
        try {
            if (!file.heldByOthers(0, ALL_LOCKS)) {
                pairs.resetUnused(); // nobody alive uses this region: start afresh
            }
            k = pairs.find(id);
            if (k >= 0) {
                boolean masterHeld = pairs.endHeld(k, MASTER);
                boolean slaveHeld = pairs.endHeld(k, SLAVE);
                if (!masterHeld && !slaveHeld && !pairs.monitorsHeld(k)) {
                    pairs.destroy(k); // left over by processes that died
                    k = -1;
                } else if (pairs.endAbandoned(k, MASTER) || pairs.endAbandoned(k, SLAVE)) {
                    throw new NetmapException(r.what() + ": the pipe is broken: the process holding its "
                            + (pairs.endAbandoned(k, MASTER) ? "master" : "slave")
                            + " end died. Close the other end; the pipe is reset when both ends are closed");
                }
            }
            if (k < 0) {
                k = pairs.freeSlot();
                if (k < 0) {
                    throw new NetmapException(r.what() + ": the parent " + r.parent() + " already has " + MAX_PAIRS
                            + " pipes, the most the user backend supports; close some first");
                }
                int slotsA = r.end() == MASTER ? r.txSlots() : r.rxSlots();
                int slotsB = r.end() == MASTER ? r.rxSlots() : r.txSlots();
                pairs.create(k, id, slotsA, slotsB);
            }
            int slotsA = pairs.slots(k, true);
            int slotsB = pairs.slots(k, false);
            if (!PairTable.validSlots(slotsA) || !PairTable.validSlots(slotsB)) {
                throw new NetmapException(r.what() + ": the pipe's shared state is damaged (" + slotsA + "/" + slotsB
                        + " slots); close both ends to reset it");
            }
            pairs.restoreGeometry(k, slotsA, slotsB);
            if (pairs.endHeld(k, r.end()) && (r.exclusive() || file.heldByOthers(exclusiveLockByte(k, r.end()), 1))) {
                throw new PortBusyException(r.what() + ": this pipe end is busy: it is open "
                        + (r.exclusive() ? "already, and /x asks for it alone" : "exclusively (/x) by another user")
                        + ". Close the other registration first", io.netmap4j.abi.Errno.EBUSY, null);
            }
            // An end opened again while its peer lives keeps its rings as the previous user left
            // them, as netmap_pipe_reg_both does: frames that user read (head moved) are not
            // delivered again, and what it queued for sending (head past hwcur) goes out with the
            // next txsync. The syncs validate head and cur as always.
            for (int s = 0; s < NIFS_PER_END && j < 0; s++) {
                if (file.tryLockByte(registrationLockByte(k, r.end(), s))) {
                    j = s;
                }
            }
            if (j < 0) {
                throw new PortBusyException(r.what() + ": this pipe end is already open " + NIFS_PER_END
                        + " times, the most the user backend supports", io.netmap4j.abi.Errno.EBUSY, null);
            }
            if (r.exclusive()) {
                exclusiveTaken = file.tryLockByte(exclusiveLockByte(k, r.end()));
            }
            long genField = registrationGen(k, r.end(), j);
            int regGen = mem.get(JAVA_INT, genField) + 1;
            INT.setRelease(mem, genField, regGen);
            long nif = PipeLayout.nif(k, r.end(), j);
            pool.freeList(mem.get(JAVA_INT, nif + NifLayout.BUFS_HEAD)); // left by a registration that died
            int[] extra = new int[Math.max(0, r.extraBuffers())];
            int granted = pool.allocate(extra, extra.length); // may be fewer, as in netmap
            for (int i = 0; i < granted; i++) {
                mem.set(JAVA_INT, buffer(extra[i]), i + 1 < granted ? extra[i + 1] : 0);
            }
            int txSlots = r.end() == MASTER ? slotsA : slotsB;
            int rxSlots = r.end() == MASTER ? slotsB : slotsA;
            writeNif(mem, nif, r, granted > 0 ? extra[0] : 0,
                    r.bindTx() ? ring(k, txRing(r.end()), slotsA, slotsB) - nif : 0,
                    r.bindRx() ? ring(k, rxRing(r.end()), slotsA, slotsB) - nif : 0);
            // open: the lock was taken above, before the state says "open" (see PeerWatch)
            mem.set(JAVA_INT, endGen(k, r.end()), mem.get(JAVA_INT, endGen(k, r.end())) + 1);
            INT.setRelease(mem, endState(k, r.end()), END_OPEN);
            PipeRegistration reg = new PipeRegistration(file, pool, k, r.end(), j, regGen, exclusiveTaken, txSlots, rxSlots,
                    granted);
            file.unlock();
            return reg;
        } catch (NetmapException | RuntimeException e) {
            if (j >= 0) {
                file.unlockByte(registrationLockByte(k, r.end(), j));
            }
            if (exclusiveTaken) {
                file.unlockByte(exclusiveLockByte(k, r.end()));
            }
            if (k >= 0 && !pairs.endHeld(k, MASTER) && !pairs.endHeld(k, SLAVE) && !pairs.monitorsHeld(k)) {
                pairs.destroy(k);
            }
            if (!file.heldByOthers(0, ALL_LOCKS)) {
                pairs.unlinkRegion();
            }
            file.unlock();
            file.close();
            throw e;
        }
    }

    private static void writeNif(MemorySegment mem, long nif, Request r, int bufsHead, long txOfs, long rxOfs) {
        mem.asSlice(nif, NIF_SIZE).fill((byte) 0);
        byte[] name = r.ifName().getBytes(StandardCharsets.UTF_8);
        int n = Math.min(name.length, NifLayout.NAME_SIZE - 1);
        MemorySegment.copy(name, 0, mem, JAVA_BYTE, nif + NifLayout.NAME, n);
        mem.set(JAVA_INT, nif + NifLayout.VERSION, NETMAP_API);
        mem.set(JAVA_INT, nif + NifLayout.FLAGS, NI_PRIV_MEM);
        mem.set(JAVA_INT, nif + NifLayout.TX_RINGS, 1);
        mem.set(JAVA_INT, nif + NifLayout.RX_RINGS, 1);
        mem.set(JAVA_INT, nif + NifLayout.BUFS_HEAD, bufsHead);
        // like the kernel, at least one (unbound) host ring of each kind, with offset 0
        mem.set(JAVA_INT, nif + NifLayout.HOST_TX_RINGS, 1);
        mem.set(JAVA_INT, nif + NifLayout.HOST_RX_RINGS, 1);
        mem.set(JAVA_LONG, nif + NifLayout.RING_OFS, txOfs);
        mem.set(JAVA_LONG, nif + NifLayout.RING_OFS + 8, 0L);
        mem.set(JAVA_LONG, nif + NifLayout.RING_OFS + 16, rxOfs);
        mem.set(JAVA_LONG, nif + NifLayout.RING_OFS + 24, 0L);
    }

    /** The directory of the region file (and of the ready boards its ports may join). */
    String dir() {
        return file.dir();
    }

    /** This registration's doorbell. */
    String ownFifo() {
        return file.doorbellPath(doorbellName(pair, end, registration));
    }

    /**
     * The doorbells this registration may ring: those of every registration the peer end may
     * have, by registration index, then those of the pipe's monitors.
     */
    String[] peerFifos() {
        String[] paths = new String[NIFS_PER_END + MONITORS_PER_PAIR];
        for (int j = 0; j < NIFS_PER_END; j++) {
            paths[j] = file.doorbellPath(doorbellName(pair, 1 - end, j));
        }
        for (int m = 0; m < MONITORS_PER_PAIR; m++) {
            paths[NIFS_PER_END + m] = file.doorbellPath(monitorDoorbellName(pair, m));
        }
        return paths;
    }

    /** This registration's lock token (see LockTokens). */
    long token() {
        return LockTokens.token(registrationLockByte(pair, end, registration), registrationGen);
    }

    /**
     * Gives everything back: its locks, then, if no registration of the region is left, the
     * region file whole; else this registration's extra buffers (whatever list ni_bufs_head
     * names now) and the pipe if no end of it is held any more. Closing the descriptor at the
     * end drops any lock left.
     */
    void unregister() {
        MemorySegment mem = file.mem();
        PairTable pairs = new PairTable(file, pool);
        try {
            file.lock();
        } catch (NetmapException e) {
            file.close(); // the locks go with the descriptor; the region is cleaned up by the next opener
            return;
        }
        try {
            if (!pairs.endHeld(pair, end)) {
                // closed before the lock goes, so that the peer never sees "open" without a lock
                INT.setRelease(mem, endState(pair, end), END_CLOSED);
                // the end leaves netmap mode: its monitors are orphaned (they see their bit go) and
                // must be opened again, as in netmap; a later registration does not fill them
                INT.setVolatile(mem, line(pair, end) + L_MONITORS, 0);
            }
            if (exclusive) {
                file.unlockByte(exclusiveLockByte(pair, end));
            }
            file.unlockByte(registrationLockByte(pair, end, registration));
            if (!file.heldByOthers(0, ALL_LOCKS)) {
                // the last user of the region: it goes whole, so nothing is given back to its
                // pool (which would touch a page of every buffer only to free the file after)
                pairs.unlinkRegion();
            } else {
                pool.freeList(mem.get(JAVA_INT, nif + NifLayout.BUFS_HEAD));
                mem.set(JAVA_INT, nif + NifLayout.BUFS_HEAD, 0);
                if (!pairs.endHeld(pair, MASTER) && !pairs.endHeld(pair, SLAVE) && !pairs.monitorsHeld(pair)) {
                    pairs.destroy(pair);
                }
            }
        } finally {
            file.unlock();
            file.close();
        }
    }
}
