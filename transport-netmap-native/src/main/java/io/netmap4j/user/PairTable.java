package io.netmap4j.user;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.ErrnoException;
import io.netmap4j.abi.LibC;
import io.netmap4j.abi.gen.netmap_ring;
import io.netmap4j.abi.gen.netmap_slot;
import io.netmap4j.core.NetmapException;

import io.netmap4j.user.monitor.MonitorLayout;
import io.netmap4j.user.monitor.MonitorPlace;
import io.netmap4j.user.monitor.MonitorSlots;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

import static io.netmap4j.abi.NetmapConstants.NR_RING_DIR_RX;
import static io.netmap4j.abi.NetmapConstants.NR_RING_DIR_TX;
import static io.netmap4j.user.PipeLayout.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The pipes of a region: which pair slot holds which pipe id, and how a pipe is built and torn
 * down. As in netmap, a pipe comes into being when its first end opens and is destroyed when
 * the last registration of either end goes (and its last monitor, which keeps it as netmap's
 * monitors keep a reference to their port); its buffers return to the region's pool then.
 * Used with the region's file lock held.
 */
final class PairTable {
    private static final long RING_BUF_OFS = netmap_ring.buf_ofs$offset();
    private static final long RING_NUM_SLOTS = netmap_ring.num_slots$offset();
    private static final long RING_BUF_SIZE = netmap_ring.nr_buf_size$offset();
    private static final long RING_DIR = netmap_ring.dir$offset();
    private static final long RING_TAIL = netmap_ring.tail$offset();
    private static final long SLOT_BUF_IDX = netmap_slot.buf_idx$offset();
    private static final long SLOT_LEN = netmap_slot.len$offset();
    private static final long SLOT_FLAGS = netmap_slot.flags$offset();
    private static final long SLOT_PTR = netmap_slot.ptr$offset();

    private final RegionFile file;
    private final MemorySegment mem;
    private final BufferPool pool;

    PairTable(RegionFile file, BufferPool pool) {
        this.file = file;
        this.mem = file.mem();
        this.pool = pool;
    }

    /** The pair slot of pipe {@code id}, or -1. */
    int find(byte[] id) {
        for (int k = 0; k < MAX_PAIRS; k++) {
            long e = entry(k);
            if (mem.get(JAVA_INT, e + E_STATE) == ENTRY_LIVE) {
                int len = mem.get(JAVA_INT, e + E_ID_LEN);
                if (len == id.length && Arrays.equals(mem.asSlice(e + E_ID, len).toArray(JAVA_BYTE), id)) {
                    return k;
                }
            }
        }
        return -1;
    }

    /** A free pair slot, or -1 when the region holds MAX_PAIRS pipes already. */
    int freeSlot() {
        for (int k = 0; k < MAX_PAIRS; k++) {
            if (mem.get(JAVA_INT, entry(k) + E_STATE) != ENTRY_LIVE) {
                return k;
            }
        }
        return -1;
    }

    /** True when some registration (of this or another process, alive) holds end {@code end}. */
    boolean endHeld(int pair, int end) {
        return file.heldByOthers(endLockBytes(pair, end), NIFS_PER_END);
    }

    /** True when some process (alive) holds a monitor of pair {@code pair}: the pipe must stay. */
    boolean monitorsHeld(int pair) {
        return file.heldByOthers(monitorLockByte(pair, 0), MONITORS_PER_PAIR);
    }

    /** True when the end says it is open although nobody holds it: its holder died. */
    boolean endAbandoned(int pair, int end) {
        return mem.get(JAVA_INT, endState(pair, end)) == END_OPEN && !endHeld(pair, end);
    }

    static boolean validSlots(int n) {
        return n >= 2 && n <= MAX_SLOTS;
    }

    int slots(int pair, boolean directionA) {
        return mem.get(JAVA_INT, pair(pair) + (directionA ? C_SLOTS_A : C_SLOTS_B));
    }

    /**
     * Builds pipe {@code id} in pair slot {@code k}: rings of {@code slotsA} slots for the
     * master-to-slave direction and {@code slotsB} for the other.
     */
    void create(int k, byte[] id, int slotsA, int slotsB) throws NetmapException {
        long base = pair(k);
        try {
            file.reserve(base, pipeBytes(slotsA, slotsB));
        } catch (ErrnoException e) {
            throw new NetmapException("no memory for a pipe in " + file.path() + " (" + e.getMessage() + ")", e.errno(), e);
        }
        int[] bufs = new int[slotsA + slotsB];
        int got = pool.allocate(bufs, bufs.length);
        if (got < bufs.length) {
            for (int i = 0; i < got; i++) {
                pool.free(bufs[i]);
            }
            throw new NetmapException("the pipe region " + file.path() + " has no room for " + bufs.length
                    + " more buffers; close other pipes of this parent, or ask for fewer slots (@conf:slots=)",
                    Errno.ENOMEM, null);
        }
        mem.asSlice(base, RING_AREA).fill((byte) 0);
        mem.set(JAVA_INT, base + C_SLOTS_A, slotsA);
        mem.set(JAVA_INT, base + C_SLOTS_B, slotsB);
        initRing(ring(k, RING_MASTER_TX, slotsA, slotsB), slotsA, true, bufs, 0);
        initRing(ring(k, RING_SLAVE_RX, slotsA, slotsB), slotsA, false, bufs, 0);
        initRing(ring(k, RING_SLAVE_TX, slotsA, slotsB), slotsB, true, bufs, slotsA);
        initRing(ring(k, RING_MASTER_RX, slotsA, slotsB), slotsB, false, bufs, slotsA);
        // the kernel's view: nothing published, nothing released, TX tail one behind
        mem.set(JAVA_INT, line(k, MASTER) + L_TX_HWTAIL, slotsA - 1);
        mem.set(JAVA_INT, line(k, SLAVE) + L_TX_HWTAIL, slotsB - 1);
        long e = entry(k);
        mem.asSlice(e, ENTRY_SIZE).fill((byte) 0);
        MemorySegment.copy(MemorySegment.ofArray(id), 0, mem, e + E_ID, id.length);
        mem.set(JAVA_INT, e + E_ID_LEN, id.length);
        mem.set(JAVA_INT, e + E_STATE, ENTRY_LIVE);
        // no doorbell FIFOs yet: each registration makes its own when it first needs it (see Doorbell)
    }

    private void initRing(long ring, int slots, boolean tx, int[] bufs, int first) {
        mem.asSlice(ring, RING_HEADER).fill((byte) 0);
        writeGeometry(ring, slots, tx);
        mem.set(JAVA_INT, ring + RING_TAIL, tx ? slots - 1 : 0);
        for (int i = 0; i < slots; i++) {
            long s = ring + RING_HEADER + i * SLOT_SIZE;
            mem.set(JAVA_INT, s + SLOT_BUF_IDX, bufs[first + i]);
            mem.set(JAVA_SHORT, s + SLOT_LEN, (short) 0);
            mem.set(JAVA_SHORT, s + SLOT_FLAGS, (short) 0);
            mem.set(JAVA_LONG, s + SLOT_PTR, 0L);
        }
    }

    /** The fields of a ring header that never change: where the buffers are, how many slots, which way. */
    private void writeGeometry(long ring, int slots, boolean tx) {
        mem.set(JAVA_LONG, ring + RING_BUF_OFS, BUF_BASE - ring);
        mem.set(JAVA_INT, ring + RING_NUM_SLOTS, slots);
        mem.set(JAVA_INT, ring + RING_BUF_SIZE, BUF_SIZE);
        mem.set(JAVA_SHORT, ring + RING_DIR, (short) (tx ? NR_RING_DIR_TX : NR_RING_DIR_RX));
    }

    /**
     * Writes the constant header fields of pipe {@code k}'s four rings again, from what the pipe is
     * (its slot counts, checked by the caller, and the region's layout). The peer can write them
     * like any byte of the region, and a new registration maps its rings by them: this way a
     * header a broken peer damaged does not make the pipe unusable, while head, cur and tail stay
     * as the last user left them (the syncs check those).
     */
    void restoreGeometry(int k, int slotsA, int slotsB) {
        writeGeometry(ring(k, RING_MASTER_TX, slotsA, slotsB), slotsA, true);
        writeGeometry(ring(k, RING_SLAVE_RX, slotsA, slotsB), slotsA, false);
        writeGeometry(ring(k, RING_SLAVE_TX, slotsA, slotsB), slotsB, true);
        writeGeometry(ring(k, RING_MASTER_RX, slotsA, slotsB), slotsB, false);
    }

    /**
     * Tears pipe {@code k} down: every buffer it holds (in a sender's TX ring, or in the peer's
     * RX ring for slots published and not yet released) and every extra-buffer list left by
     * its registrations goes back to the pool. Values read here may have been damaged by a
     * dead or broken process; the pool ignores indices that are not buffers.
     */
    void destroy(int k) {
        for (int m = 0; m < MONITORS_PER_PAIR; m++) {
            // monitors whose processes died: their buffers go back too (the caller made sure no
            // live process holds one)
            MonitorPlace p = PipeMonitors.placeOf(file, pool, k, m);
            if (MonitorSlots.state(mem, p.control()) != MonitorLayout.FREE) {
                MonitorSlots.destroy(p, PipeMonitors.tokens(file, 0));
            }
        }
        int slotsA = slots(k, true);
        int slotsB = slots(k, false);
        if (validSlots(slotsA) && validSlots(slotsB)) {
            freeRingBuffers(k, MASTER, slotsA, slotsB);
            freeRingBuffers(k, SLAVE, slotsA, slotsB);
        }
        for (int end = MASTER; end <= SLAVE; end++) {
            for (int j = 0; j < NIFS_PER_END; j++) {
                pool.freeList(mem.get(JAVA_INT, nif(k, end, j) + NifLayout.BUFS_HEAD));
            }
        }
        mem.set(JAVA_INT, entry(k) + E_STATE, ENTRY_FREE);
        mem.set(JAVA_INT, endState(k, MASTER), END_CLOSED);
        mem.set(JAVA_INT, endState(k, SLAVE), END_CLOSED);
        unlinkDoorbells(k);
    }

    private void unlinkDoorbells(int pair) {
        for (int j = 0; j < NIFS_PER_END; j++) {
            LibC.unlink(file.doorbellPath(doorbellName(pair, MASTER, j)));
            LibC.unlink(file.doorbellPath(doorbellName(pair, SLAVE, j)));
        }
        for (int m = 0; m < MONITORS_PER_PAIR; m++) {
            LibC.unlink(file.doorbellPath(monitorDoorbellName(pair, m)));
        }
    }

    /** Forgets every pipe of a region that nobody holds any more (all holders closed or died). */
    void resetUnused() {
        for (int k = 0; k < MAX_PAIRS; k++) {
            if (mem.get(JAVA_INT, entry(k) + E_STATE) != ENTRY_FREE) {
                unlinkDoorbells(k);
            }
        }
        file.initHeader();
    }

    /** Removes the region file and the doorbells of its pipes; call with the file lock held. */
    void unlinkRegion() {
        for (int k = 0; k < MAX_PAIRS; k++) {
            if (mem.get(JAVA_INT, entry(k) + E_STATE) != ENTRY_FREE) {
                unlinkDoorbells(k);
            }
        }
        file.unlink();
    }

    private void freeRingBuffers(int k, int sender, int slotsA, int slotsB) {
        int n = sender == MASTER ? slotsA : slotsB;
        long tx = ring(k, txRing(sender), slotsA, slotsB) + RING_HEADER;
        long rx = ring(k, rxRing(1 - sender), slotsA, slotsB) + RING_HEADER;
        int published = mem.get(JAVA_INT, line(k, sender) + L_TX_HWCUR);
        int released = mem.get(JAVA_INT, line(k, 1 - sender) + L_RX_HWCUR);
        if (published < 0 || published >= n || released < 0 || released >= n) {
            published = released = 0;
        }
        int inFlight = Math.floorMod(published - released, n);
        for (int i = 0; i < n; i++) {
            boolean atReceiver = Math.floorMod(i - released, n) < inFlight;
            pool.free(mem.get(JAVA_INT, (atReceiver ? rx : tx) + i * SLOT_SIZE + SLOT_BUF_IDX));
        }
    }
}
