package io.netmap4j.core;

import io.netmap4j.abi.gen.netmap_ring;
import io.netmap4j.abi.gen.netmap_slot;

import java.lang.foreign.MemorySegment;

import java.lang.foreign.ValueLayout;

/**
 * A flyweight view of one {@code struct netmap_ring} and its slots, in the memory region of a
 * port. It allocates nothing: every accessor reads or writes the shared memory directly.
 *
 * <p>Ownership follows netmap: the user owns the slots in {@code [head, tail)}, writes only
 * {@code head} and {@code cur}, and the backend's sync writes {@code tail}. All accesses are
 * plain: the sync that changes {@code tail} runs on the thread that owns the ring (an ioctl for
 * the kernel backend, Java code for the user backend), so no other thread races with them.
 *
 * <p>The ring geometry ({@code num_slots}, {@code nr_buf_size}, {@code buf_ofs}) is read once,
 * when the port opens, and validated against the region, so that a peer that scribbles on the
 * ring header later cannot make this view reach outside the region. Buffer indices are checked
 * on every access for the same reason.
 */
public final class NetmapRing {
    static final long BUF_OFS = netmap_ring.buf_ofs$offset();
    static final long NUM_SLOTS = netmap_ring.num_slots$offset();
    static final long NR_BUF_SIZE = netmap_ring.nr_buf_size$offset();
    static final long RINGID = netmap_ring.ringid$offset();
    static final long DIR = netmap_ring.dir$offset();
    static final long HEAD = netmap_ring.head$offset();
    static final long CUR = netmap_ring.cur$offset();
    static final long TAIL = netmap_ring.tail$offset();
    static final long FLAGS = netmap_ring.flags$offset();
    static final long TS = netmap_ring.ts$offset();
    /** Slots start right after the 256-byte header. */
    static final long SLOTS = netmap_ring.layout().byteSize();
    static final long SLOT_SIZE = netmap_slot.layout().byteSize();
    static final long SLOT_BUF_IDX = netmap_slot.buf_idx$offset();
    static final long SLOT_LEN = netmap_slot.len$offset();
    static final long SLOT_FLAGS = netmap_slot.flags$offset();
    static final long SLOT_PTR = netmap_slot.ptr$offset();

    /*
     * Unaligned layouts: the same bytes and the same single load or store as the aligned ones
     * (netmap places every field at a multiple of its size), minus the alignment test FFM makes
     * on every access with an aligned layout. Bounds and the region's liveness are still checked.
     */
    private static final ValueLayout.OfInt JAVA_INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfShort JAVA_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfLong JAVA_LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    /**
     * netmap sizes every buffer to a multiple of 64 bytes and starts its buffers on such a
     * boundary (NM_BUF_ALIGN in netmap_mem2.c), so users may read a buffer with aligned accesses.
     */
    private static final int BUFFER_ALIGN = 64;

    private final MemorySegment region;
    private final MemorySegment ring;
    private final long ringOffset;
    private final int index;
    private final boolean tx;
    private final int numSlots;
    private final int bufferSize;
    private final long firstBufferOffset;
    private final long bufferCount;

    /**
     * Creates a view of the ring at {@code ringOffset} in {@code region}.
     *
     * @throws IllegalArgumentException if the ring header describes a ring or buffers that do
     *         not fit in the region
     */
    public NetmapRing(MemorySegment region, long ringOffset, int index, boolean tx) {
        if (ringOffset < 0 || ringOffset + SLOTS > region.byteSize()) {
            throw new IllegalArgumentException("ring offset " + ringOffset + " outside a region of "
                    + region.byteSize() + " bytes");
        }
        MemorySegment header = region.asSlice(ringOffset, SLOTS);
        int slots = header.get(JAVA_INT, NUM_SLOTS);
        int bufSize = header.get(JAVA_INT, NR_BUF_SIZE);
        long bufOfs = header.get(JAVA_LONG, BUF_OFS);
        if (slots < 2) {
            throw new IllegalArgumentException("ring " + index + " has " + slots + " slots; netmap needs at least 2");
        }
        long ringBytes = SLOTS + SLOT_SIZE * Integer.toUnsignedLong(slots);
        if (ringOffset + ringBytes > region.byteSize()) {
            throw new IllegalArgumentException("ring " + index + " with " + slots + " slots does not fit in the region");
        }
        if (bufSize <= 0 || bufSize % BUFFER_ALIGN != 0) {
            throw new IllegalArgumentException("ring " + index + " has a buffer size of " + bufSize
                    + "; netmap's are positive multiples of " + BUFFER_ALIGN);
        }
        long first = ringOffset + bufOfs;
        if (first < 0 || first > region.byteSize()) {
            throw new IllegalArgumentException("ring " + index + " has buffers outside the region (buf_ofs " + bufOfs + ")");
        }
        if (first % BUFFER_ALIGN != 0) {
            throw new IllegalArgumentException("ring " + index + " has its buffers at offset " + first
                    + " of the region (buf_ofs " + bufOfs + "), not on a " + BUFFER_ALIGN + "-byte boundary as netmap's");
        }
        this.region = region;
        this.ring = region.asSlice(ringOffset, ringBytes);
        this.ringOffset = ringOffset;
        this.index = index;
        this.tx = tx;
        this.numSlots = slots;
        this.bufferSize = bufSize;
        this.firstBufferOffset = first;
        this.bufferCount = (region.byteSize() - first) / bufSize;
    }

    /** The ring's number among the port's rings of its direction ({@code ringid}). */
    public int index() {
        return index;
    }

    /** True for a TX ring. */
    public boolean isTx() {
        return tx;
    }

    public int numSlots() {
        return numSlots;
    }

    /** Bytes in each buffer ({@code nr_buf_size}). */
    public int bufferSize() {
        return bufferSize;
    }

    /** The whole memory region this ring lives in. */
    public MemorySegment region() {
        return region;
    }

    /** Offset of this ring's header in the region. */
    public long offsetInRegion() {
        return ringOffset;
    }

    /** The ring header and slots, for the backends. */
    public MemorySegment segment() {
        return ring;
    }

    public int head() {
        return ring.get(JAVA_INT, HEAD);
    }

    public void head(int head) {
        ring.set(JAVA_INT, HEAD, head);
    }

    public int cur() {
        return ring.get(JAVA_INT, CUR);
    }

    public void cur(int cur) {
        ring.set(JAVA_INT, CUR, cur);
    }

    public int tail() {
        return ring.get(JAVA_INT, TAIL);
    }

    /** Ring flags ({@code NR_TIMESTAMP}, {@code NR_FORWARD}). */
    public int ringFlags() {
        return ring.get(JAVA_INT, FLAGS);
    }

    public void ringFlags(int flags) {
        ring.set(JAVA_INT, FLAGS, flags);
    }

    /** The time of the last sync in microseconds since the epoch, when NR_TIMESTAMP is set. */
    public long timestampMicros() {
        return ring.get(JAVA_LONG, TS) * 1_000_000L + ring.get(JAVA_LONG, TS + 8);
    }

    /** Moves {@code head} and {@code cur} together: the usual way to publish or release slots. */
    public void advance(int newHead) {
        ring.set(JAVA_INT, HEAD, newHead);
        ring.set(JAVA_INT, CUR, newHead);
    }

    /** The slot after {@code i} ({@code nm_ring_next}). */
    public int next(int i) {
        return i + 1 == numSlots ? 0 : i + 1;
    }

    /** The slot {@code n} places after {@code i}, for {@code 0 <= n <= numSlots}. */
    public int advanceBy(int i, int n) {
        int r = i + n;
        return r >= numSlots ? r - numSlots : r;
    }

    /** Slots between {@code from} and {@code to} going forward. */
    public int distance(int from, int to) {
        int d = to - from;
        return d < 0 ? d + numSlots : d;
    }

    /** Slots the user owns: {@code tail - head} modulo the ring size ({@code nm_ring_space}). */
    public int space() {
        return distance(head(), tail());
    }

    /** True when the user owns no slot ({@code nm_ring_empty}). */
    public boolean isEmpty() {
        return head() == tail();
    }

    /**
     * True when {@code head}, {@code cur} and {@code tail} are inside the ring and {@code cur}
     * lies in {@code [head, tail]}: the invariants every sync checks.
     */
    public boolean invariantsHold() {
        int h = head();
        int c = cur();
        int t = tail();
        return Integer.compareUnsigned(h, numSlots) < 0 && Integer.compareUnsigned(c, numSlots) < 0
                && Integer.compareUnsigned(t, numSlots) < 0 && distance(h, c) <= distance(h, t);
    }

    private long slot(int i) {
        return SLOTS + (long) i * SLOT_SIZE;
    }

    public int bufIdx(int slot) {
        return ring.get(JAVA_INT, slot(slot) + SLOT_BUF_IDX);
    }

    public void bufIdx(int slot, int bufIdx) {
        ring.set(JAVA_INT, slot(slot) + SLOT_BUF_IDX, bufIdx);
    }

    /** Frame length in the slot's buffer (unsigned 16 bits). */
    public int len(int slot) {
        return Short.toUnsignedInt(ring.get(JAVA_SHORT, slot(slot) + SLOT_LEN));
    }

    public void len(int slot, int len) {
        ring.set(JAVA_SHORT, slot(slot) + SLOT_LEN, (short) len);
    }

    /** Slot flags ({@code NS_*}), unsigned 16 bits. */
    public int flags(int slot) {
        return Short.toUnsignedInt(ring.get(JAVA_SHORT, slot(slot) + SLOT_FLAGS));
    }

    public void flags(int slot, int flags) {
        ring.set(JAVA_SHORT, slot(slot) + SLOT_FLAGS, (short) flags);
    }

    public long ptr(int slot) {
        return ring.get(JAVA_LONG, slot(slot) + SLOT_PTR);
    }

    public void ptr(int slot, long ptr) {
        ring.set(JAVA_LONG, slot(slot) + SLOT_PTR, ptr);
    }

    /** Number of buffers addressable from this ring without leaving the region. */
    public long bufferCount() {
        return bufferCount;
    }

    /** True when {@code bufIdx} names a buffer inside the region. */
    public boolean isValidBuffer(int bufIdx) {
        return Integer.toUnsignedLong(bufIdx) < bufferCount;
    }

    /**
     * Offset in the region of buffer {@code bufIdx} ({@code NETMAP_BUF}).
     *
     * @throws IndexOutOfBoundsException if the index lies outside the region
     */
    public long bufferOffset(int bufIdx) {
        if (!isValidBuffer(bufIdx)) {
            throw new IndexOutOfBoundsException("buffer index " + Integer.toUnsignedString(bufIdx)
                    + " is outside the memory region (" + bufferCount + " buffers)");
        }
        return firstBufferOffset + (long) bufIdx * bufferSize;
    }

    /** Offset in the region of the buffer of {@code slot}. */
    public long slotBufferOffset(int slot) {
        return bufferOffset(bufIdx(slot));
    }

    /** The buffer {@code bufIdx} as a segment of {@link #bufferSize()} bytes. */
    public MemorySegment buffer(int bufIdx) {
        return region.asSlice(bufferOffset(bufIdx), bufferSize);
    }

    /**
     * The buffer of {@code slot} as a segment of {@link #bufferSize()} bytes. Each call makes a
     * view object, which the JIT usually, but not always, scalar-replaces; per-frame code that
     * must not allocate reads {@link #region()} at {@link #slotBufferOffset(int)} instead.
     */
    public MemorySegment slotBuffer(int slot) {
        return buffer(bufIdx(slot));
    }

    @Override
    public String toString() {
        return (tx ? "TX" : "RX") + " ring " + index + " [head " + head() + ", cur " + cur() + ", tail " + tail()
                + " of " + numSlots + "]";
    }
}
