package io.netmap4j.user;

import io.netmap4j.abi.NetmapConstants;
import io.netmap4j.abi.gen.netmap_ring;
import io.netmap4j.abi.gen.netmap_slot;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Where everything lives in a pipe region: the shared-memory file that holds all pipes
 * {@code x{k} / {@code x}k} of one parent name {@code x}, so that every pipe of {@code x} shares
 * one buffer pool (one memory id) and frames can move between them by buffer-index swap, as in
 * netmap where pipes live in their parent's memory region.
 *
 * <pre>
 * offset 0            region header (kernel-private): magic, version, geometry, buffer
 *                     allocator (bump index + free list), pair table (id of each pipe)
 * PAIR_BASE + k*PAIR_STRIDE, for pipe pair k &lt; MAX_PAIRS:
 *   +0                pair control (kernel-private): slot counts, per-end open state, and one
 *                     cache line per end with the indices netmap keeps in the kernel
 *   +1024             the controls of the pipe's monitors (see the monitor package), then
 *                     their netmap_ifs
 *   +4096             NIFS_PER_END netmap_if per end (one per registration, as netmap gives
 *                     each file descriptor its own netmap_if and extra-buffer list)
 *   +8192             four rings: master TX, master RX, slave TX, slave RX, then two per monitor
 *                     (TX, unused, and RX), each in a slot big enough for MAX_SLOTS slots (the
 *                     file is sparse: unused parts cost nothing)
 * BUF_BASE            the buffer pool: buffer i at BUF_BASE + i * BUF_SIZE; every ring's
 *                     buf_ofs is BUF_BASE minus the ring's offset. Buffers 0 and 1 are
 *                     reserved as in netmap (1 is a harmless scratch buffer that replaces a
 *                     corrupt buffer index received from a peer).
 * </pre>
 *
 * Nothing kernel-private is reachable from a netmap_if: a ring user who follows the netmap
 * layout sees only its netmap_if, its rings and buffers.
 *
 * <p>Byte-range locks on the file (not on its memory) mark who is alive: registration j of end
 * e of pair k holds byte {@link #registrationLockByte}; an exclusive registration also holds
 * {@link #exclusiveLockByte}, monitor m of pair k {@link #monitorLockByte}. The kernel drops them
 * when a process dies, which is how the survivor learns of it.
 */
final class PipeLayout {
    private PipeLayout() { }

    static final long MAGIC = 0x4E4D344A50495045L; // "NM4JPIPE"
    /**
     * 2: one sleep bit pair and one doorbell per registration instead of per end.
     * 3: monitors (controls, netmap_ifs and rings in the pair area, lock bytes, a mask per end),
     * and an open generation per registration (for lock tokens).
     */
    static final int VERSION = 3;

    static final int BUF_SIZE = 2048;
    static final int MAX_PAIRS = 64;
    static final int MAX_SLOTS = 8192;
    static final int DEFAULT_SLOTS = 1024;
    static final int NIFS_PER_END = 8;
    /** Monitors of one pipe (of either end), as many as a VALE port may have. */
    static final int MONITORS_PER_PAIR = 4;
    static final int MAX_BUFFERS = 256 * 1024;
    /** The most fragments of one NS_MOREFRAG chain, as netmap. */
    static final int MAX_FRAGS = NetmapConstants.NETMAP_MAX_FRAGS;

    static final int MASTER = 0;
    static final int SLAVE = 1;

    // ---- region header ----
    static final long H_MAGIC = 0;
    static final long H_VERSION = 8;
    static final long H_BUF_SIZE = 12;
    static final long H_MAX_PAIRS = 16;
    static final long H_MAX_SLOTS = 20;
    static final long H_MAX_BUFFERS = 24;
    static final long H_REGION_SIZE = 32;
    /** Next never-used buffer index: buffers below it exist; grows only, under the file lock. */
    static final long H_BUF_NEXT = 64;
    /** First buffer of the free list (linked through each buffer's first 4 bytes, 0 ends it). */
    static final long H_FREE_HEAD = 68;
    static final long H_TABLE = 1024;
    static final long ENTRY_SIZE = 64;
    static final long E_STATE = 0;
    static final long E_ID_LEN = 4;
    static final long E_ID = 8;
    static final int MAX_ID_BYTES = (int) (ENTRY_SIZE - E_ID);
    static final int ENTRY_FREE = 0;
    static final int ENTRY_LIVE = 1;
    static final long HEADER_SIZE = 8192;

    // ---- pair area ----
    static final long PAIR_BASE = HEADER_SIZE;
    static final long NIF_AREA = 4096;
    static final long NIF_SIZE = 256;
    static final long RING_AREA = 8192;
    static final long RING_STRIDE = roundUp(netmap_ring.layout().byteSize() + netmap_slot.layout().byteSize() * MAX_SLOTS, 4096);
    static final long PAIR_STRIDE = RING_AREA + (4 + 2 * MONITORS_PER_PAIR) * RING_STRIDE;
    static final long BUF_BASE = PAIR_BASE + MAX_PAIRS * PAIR_STRIDE;
    static final long REGION_SIZE = BUF_BASE + (long) MAX_BUFFERS * BUF_SIZE;

    // pair control, relative to the pair area
    /** Slots of direction A (master TX and slave RX) and B (slave TX and master RX). */
    static final long C_SLOTS_A = 0;
    static final long C_SLOTS_B = 4;
    /** Per end: open state (END_CLOSED/END_OPEN) and an open generation, 16 bytes apart. */
    static final long C_END_STATE = 64;
    static final long C_END_GEN = 68;
    static final int END_CLOSED = 0;
    static final int END_OPEN = 1;
    /**
     * Per end, one line written only by that end (and read by the peer). 256 bytes apart, so
     * that the two ends' lines do not share a cache line or an adjacent-line prefetch pair.
     */
    static final long C_LINE = 256;
    static final long C_LINE_STRIDE = 256;
    /** In a line: next TX slot to publish (netmap's TX hwcur); the peer's RX tail. */
    static final long L_TX_HWCUR = 0;
    /** In a line: the TX tail last given to the user (netmap's TX hwtail). */
    static final long L_TX_HWTAIL = 4;
    /** In a line: next RX slot not yet released (netmap's RX hwcur); the peer's TX tail + 1. */
    static final long L_RX_HWCUR = 8;
    /** In a line: the RX tail last given to the user (netmap's RX hwtail). */
    static final long L_RX_HWTAIL = 12;
    /** In a line: bit m set while monitor m of the pair watches this end (see MonitorTaps). */
    static final long L_MONITORS = 32;
    /** Per end, per registration j: its open generation, 4 bytes each (see LockTokens). */
    static final long C_REG_GENS = 768;
    /** Monitor m's control block (see MonitorLayout), MONITOR_CONTROL bytes each. */
    static final long C_MONITORS = 1024;
    static final long MONITOR_CONTROL = 256;
    /** Monitor m's netmap_if, MONITOR_NIF bytes each. */
    static final long C_MONITOR_NIFS = 2048;
    static final long MONITOR_NIF = 512;
    /**
     * In a line: which registrations of this end sleep, and for what (a {@link SleepWord}).
     */
    static final long L_SLEEP = 16;
    static final int WANT_RX = SleepWord.WANT_RX;
    static final int WANT_TX = SleepWord.WANT_TX;

    // ring numbers inside a pair
    static final int RING_MASTER_TX = 0;
    static final int RING_MASTER_RX = 1;
    static final int RING_SLAVE_TX = 2;
    static final int RING_SLAVE_RX = 3;

    // ---- byte-range locks ----
    /** The registrations' bytes; then exclusive bytes, then monitor bytes (see ALL_LOCKS). */
    static final long LOCK_RANGE = (long) MAX_PAIRS * 2 * NIFS_PER_END;
    static final long MONITOR_LOCKS = LOCK_RANGE + (long) MAX_PAIRS * 2;
    /** Every lock byte a live user of the region may hold: any held means the region is in use. */
    static final long ALL_LOCKS = MONITOR_LOCKS + (long) MAX_PAIRS * MONITORS_PER_PAIR;

    /** A pipe region as a {@link RegionFile} sees it. */
    static final RegionFormat FORMAT = new RegionFormat() {
        @Override
        public String kind() {
            return "pipe region";
        }

        @Override
        public long size() {
            return REGION_SIZE;
        }

        @Override
        public long headerBytes() {
            return PAIR_BASE;
        }

        @Override
        public void initHeader(MemorySegment mem) {
            mem.asSlice(0, HEADER_SIZE).fill((byte) 0);
            // two reserved buffers (0 and 1) exist from the start, zero-filled
            mem.set(JAVA_INT, H_VERSION, VERSION);
            mem.set(JAVA_INT, H_BUF_SIZE, BUF_SIZE);
            mem.set(JAVA_INT, H_MAX_PAIRS, MAX_PAIRS);
            mem.set(JAVA_INT, H_MAX_SLOTS, MAX_SLOTS);
            mem.set(JAVA_INT, H_MAX_BUFFERS, MAX_BUFFERS);
            mem.set(JAVA_LONG, H_REGION_SIZE, REGION_SIZE);
            mem.set(JAVA_INT, H_BUF_NEXT, 2);
            mem.set(JAVA_INT, H_FREE_HEAD, 0);
            // magic last: a region with a zero magic is one whose creator died while initialising
            mem.set(JAVA_LONG, H_MAGIC, MAGIC);
        }

        @Override
        public boolean headerMatches(MemorySegment mem) {
            return mem.get(JAVA_LONG, H_MAGIC) == MAGIC && mem.get(JAVA_INT, H_VERSION) == VERSION
                    && mem.get(JAVA_INT, H_BUF_SIZE) == BUF_SIZE && mem.get(JAVA_INT, H_MAX_PAIRS) == MAX_PAIRS
                    && mem.get(JAVA_INT, H_MAX_SLOTS) == MAX_SLOTS && mem.get(JAVA_INT, H_MAX_BUFFERS) == MAX_BUFFERS
                    && mem.get(JAVA_LONG, H_REGION_SIZE) == REGION_SIZE;
        }
    };

    /** The name of the doorbell of registration {@code registration} of one end of pair {@code pair}. */
    static String doorbellName(int pair, int end, int registration) {
        return pair + (end == MASTER ? ".m" : ".s") + registration;
    }

    static long roundUp(long v, long to) {
        return (v + to - 1) / to * to;
    }

    static long entry(int pair) {
        return H_TABLE + pair * ENTRY_SIZE;
    }

    static long pair(int pair) {
        return PAIR_BASE + pair * PAIR_STRIDE;
    }

    static long endState(int pair, int end) {
        return pair(pair) + C_END_STATE + 16L * end;
    }

    static long endGen(int pair, int end) {
        return pair(pair) + C_END_GEN + 16L * end;
    }

    static long line(int pair, int end) {
        return pair(pair) + C_LINE + C_LINE_STRIDE * end;
    }

    static long nif(int pair, int end, int registration) {
        return pair(pair) + NIF_AREA + NIF_SIZE * ((long) end * NIFS_PER_END + registration);
    }

    static long ring(int pair, int ring) {
        return pair(pair) + RING_AREA + RING_STRIDE * ring;
    }

    static int txRing(int end) {
        return end == MASTER ? RING_MASTER_TX : RING_SLAVE_TX;
    }

    static int rxRing(int end) {
        return end == MASTER ? RING_MASTER_RX : RING_SLAVE_RX;
    }

    static long buffer(int bufIdx) {
        return BUF_BASE + (long) bufIdx * BUF_SIZE;
    }

    static long registrationLockByte(int pair, int end, int registration) {
        return ((long) pair * 2 + end) * NIFS_PER_END + registration;
    }

    /** First of the NIFS_PER_END lock bytes of one end: any lock there means the end is open. */
    static long endLockBytes(int pair, int end) {
        return registrationLockByte(pair, end, 0);
    }

    static long exclusiveLockByte(int pair, int end) {
        return LOCK_RANGE + (long) pair * 2 + end;
    }

    static long monitorLockByte(int pair, int monitor) {
        return MONITOR_LOCKS + (long) pair * MONITORS_PER_PAIR + monitor;
    }

    /** The open generation of registration j of one end of a pair. */
    static long registrationGen(int pair, int end, int registration) {
        return pair(pair) + C_REG_GENS + 4L * (end * NIFS_PER_END + registration);
    }

    /**
     * The offset of the open generation of the registration whose byte lock is {@code lockByte},
     * or -1 for other bytes (see LockTokens: only registrations fill monitors, under a lock).
     */
    static long genFieldOf(long lockByte) {
        if (lockByte < 0 || lockByte >= LOCK_RANGE) {
            return -1;
        }
        int reg = (int) (lockByte % NIFS_PER_END);
        int pairEnd = (int) (lockByte / NIFS_PER_END);
        return registrationGen(pairEnd / 2, pairEnd % 2, reg);
    }

    static long monitorControl(int pair, int monitor) {
        return pair(pair) + C_MONITORS + MONITOR_CONTROL * monitor;
    }

    static long monitorNif(int pair, int monitor) {
        return pair(pair) + C_MONITOR_NIFS + MONITOR_NIF * monitor;
    }

    /** Ring {@code i} of monitor m of a pair: 0 its (unused) TX ring, 1 its RX ring. */
    static long monitorRing(int pair, int monitor, int i) {
        return ring(pair, 4 + 2 * monitor + i);
    }

    /** The name of the doorbell of monitor m of pair {@code pair}. */
    static String monitorDoorbellName(int pair, int monitor) {
        return pair + ".mon" + monitor;
    }

    static {
        if (C_MONITORS + MONITORS_PER_PAIR * MONITOR_CONTROL > C_MONITOR_NIFS
                || C_MONITOR_NIFS + MONITORS_PER_PAIR * MONITOR_NIF > NIF_AREA
                || C_REG_GENS + 4L * 2 * NIFS_PER_END > C_MONITORS
                || C_LINE + 2 * C_LINE_STRIDE > C_REG_GENS) {
            throw new ExceptionInInitializerError("the pipe layout overlaps itself");
        }
    }
}
