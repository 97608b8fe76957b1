package io.netmap4j.user;

import io.netmap4j.abi.NetmapConstants;
import io.netmap4j.abi.gen.netmap_ring;
import io.netmap4j.abi.gen.netmap_slot;

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
 *   +4096             NIFS_PER_END netmap_if per end (one per registration, as netmap gives
 *                     each file descriptor its own netmap_if and extra-buffer list)
 *   +8192             four rings, packed in this order: master TX and slave RX (the pipe's
 *                     slotsA slots each), slave TX and master RX (slotsB each); each ring takes
 *                     {@link #ringBytes} of its slots, so a pipe reserves only what its slot
 *                     counts need. The pair's stride has room for four rings of MAX_SLOTS (the
 *                     file is sparse: unused parts cost nothing)
 * BUF_BASE            the buffer pool: buffer i at BUF_BASE + i * BUF_SIZE; every ring's
 *                     buf_ofs is BUF_BASE minus the ring's offset. Buffers 0 and 1 are
 *                     reserved as in netmap (1 is a harmless scratch buffer that replaces a
 *                     corrupt buffer index received from a peer).
 * </pre>
 *
 * What a pipe costs in memory (reserved with fallocate when the pipe is made, given back when
 * it is destroyed): {@link #pipeBytes}, the pair control and netmap_if pages plus its rings,
 * and {@code slotsA + slotsB} buffers; each registration's extra buffers come on top. The
 * region header is reserved once per region.
 *
 * <p>Nothing kernel-private is reachable from a netmap_if: a ring user who follows the netmap
 * layout sees only its netmap_if, its rings and buffers.
 *
 * <p>Byte-range locks on the file (not on its memory) mark who is alive: registration j of end
 * e of pair k holds byte {@link #registrationLockByte}; an exclusive registration also holds
 * {@link #exclusiveLockByte}. The kernel drops them when a process dies, which is how the
 * survivor learns of it.
 */
final class PipeLayout {
    private PipeLayout() { }

    static final long MAGIC = 0x4E4D344A50495045L; // "NM4JPIPE"
    /**
     * 2: one sleep bit pair and one doorbell per registration instead of per end. 3: rings
     * packed and sized by their slot counts; a waiter slot per registration, so a sleeper can
     * be marked in its event loop's ready board instead of rung.
     */
    static final int VERSION = 3;

    static final int BUF_SIZE = 2048;
    static final int MAX_PAIRS = 64;
    static final int MAX_SLOTS = 8192;
    static final int DEFAULT_SLOTS = 1024;
    static final int NIFS_PER_END = 8;
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
    static final long RING_HEADER = netmap_ring.layout().byteSize();
    static final long SLOT_SIZE = netmap_slot.layout().byteSize();
    static final long PAIR_STRIDE = roundUp(RING_AREA + 4 * ringBytes(MAX_SLOTS), 4096);
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
    /**
     * In a line: which registrations of this end sleep, and for what. Two bits per registration
     * j (WANT_RX and WANT_TX shifted left by 2j), so that each registration announces and
     * clears its own sleep with an atomic or/and without touching the others'; the peer reads
     * the whole word at once.
     */
    static final long L_SLEEP = 16;
    static final int WANT_RX = 1;
    static final int WANT_TX = 2;
    /** The WANT_RX bits of every registration in a sleep word. */
    static final int SLEEP_RX_BITS = 0x5555 & ((1 << 2 * NIFS_PER_END) - 1);
    /** The WANT_TX bits of every registration in a sleep word. */
    static final int SLEEP_TX_BITS = SLEEP_RX_BITS << 1;

    static int sleepBits(int registration, int want) {
        return want << 2 * registration;
    }

    /**
     * Per end and registration, 16 bytes written only by that registration: where to post it
     * when the peer takes its sleep bits (see {@link WaiterSlot}). Away from the lines, since
     * the peer reads them only when it wakes someone.
     */
    static final long C_WAITERS = 1024;

    // ring numbers inside a pair
    static final int RING_MASTER_TX = 0;
    static final int RING_MASTER_RX = 1;
    static final int RING_SLAVE_TX = 2;
    static final int RING_SLAVE_RX = 3;

    // ---- byte-range locks ----
    static final long LOCK_RANGE = (long) MAX_PAIRS * 2 * NIFS_PER_END;

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

    /** Bytes one ring of {@code slots} slots takes: its header and slots, to a cache line. */
    static long ringBytes(int slots) {
        return roundUp(RING_HEADER + SLOT_SIZE * slots, 64);
    }

    /**
     * Where ring {@code ring} of pair {@code pair} is, for a pipe of {@code slotsA} slots from
     * master to slave and {@code slotsB} back (checked against MAX_SLOTS by the caller).
     */
    static long ring(int pair, int ring, int slotsA, int slotsB) {
        long a = ringBytes(slotsA);
        long within = switch (ring) {
            case RING_MASTER_TX -> 0;
            case RING_SLAVE_RX -> a;
            case RING_SLAVE_TX -> 2 * a;
            case RING_MASTER_RX -> 2 * a + ringBytes(slotsB);
            default -> throw new IllegalArgumentException("no ring " + ring);
        };
        return pair(pair) + RING_AREA + within;
    }

    /** Bytes reserved for a pipe besides its buffers: pair control, netmap_ifs, its four rings. */
    static long pipeBytes(int slotsA, int slotsB) {
        return RING_AREA + roundUp(2 * ringBytes(slotsA) + 2 * ringBytes(slotsB), 4096);
    }

    /** The waiter slot of registration {@code registration} of end {@code end} (see {@link #C_WAITERS}). */
    static long waiter(int pair, int end, int registration) {
        return pair(pair) + C_WAITERS + WaiterSlot.SIZE * ((long) end * NIFS_PER_END + registration);
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
}
