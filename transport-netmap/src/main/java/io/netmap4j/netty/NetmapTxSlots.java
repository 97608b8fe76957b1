package io.netmap4j.netty;

import io.netmap4j.core.NetmapRing;

import java.lang.foreign.MemorySegment;

/**
 * The free slots of one TX ring, as offered to a {@link NetmapTxBatch}: write a frame into the
 * buffer at {@link #bufferOffset()} of {@link #region()}, then {@link #commit(int)} it; repeat
 * while {@link #remaining()} is positive. Valid only during {@code fill}; one reused instance per
 * channel, so nothing is allocated per frame.
 */
public final class NetmapTxSlots {
    private NetmapRing ring;
    private MemorySegment region;
    private int head;
    private int limit;
    private int committed;
    private long committedBytes;

    NetmapTxSlots() {
    }

    /** Offers the ring's free slots, {@code [head, tail)}. */
    void reset(NetmapRing ring) {
        this.ring = ring;
        this.region = ring.region();
        this.head = ring.head();
        this.limit = ring.space();
        this.committed = 0;
        this.committedBytes = 0;
    }

    /** Frames committed since {@link #reset}, not yet published. */
    int committedFrames() {
        return committed;
    }

    /** Their bytes. */
    long committedBytes() {
        return committedBytes;
    }

    /** Publishes what was committed by moving the ring's head; returns how many frames. */
    int publish() {
        if (committed > 0) {
            ring.advance(head);
        }
        int n = committed;
        committed = 0;
        committedBytes = 0;
        limit = 0;
        return n;
    }

    void invalidate() {
        ring = null;
        region = null;
        limit = 0;
    }

    /** Free slots left to fill in this call. */
    public int remaining() {
        return limit - committed;
    }

    /** Bytes each buffer holds: the largest frame a slot takes. */
    public int bufferSize() {
        return ring().bufferSize();
    }

    /** The TX ring being filled ({@code ringid}). */
    public int ringId() {
        return ring().index();
    }

    /** The port's memory region; buffers are addressed by offset in it. */
    public MemorySegment region() {
        ring();
        return region;
    }

    /**
     * Offset in {@link #region()} of the next free slot's buffer ({@link #bufferSize()} bytes).
     *
     * @throws IllegalStateException when no slot is left
     */
    public long bufferOffset() {
        checkRemaining();
        return ring.slotBufferOffset(head);
    }

    /** The next free slot's buffer as a segment (allocates a view; prefer {@link #bufferOffset()}). */
    public MemorySegment buffer() {
        checkRemaining();
        return ring.slotBuffer(head);
    }

    /**
     * The next slot holds a frame of {@code length} bytes: it will be sent.
     *
     * @throws IllegalArgumentException if {@code length} is not 1 to {@link #bufferSize()}
     * @throws IllegalStateException when no slot is left
     */
    public void commit(int length) {
        checkRemaining();
        if (length <= 0) {
            throw new IllegalArgumentException("a frame of " + length + " bytes cannot be sent: commit the length "
                    + "of what was written into the slot's buffer, 1 to " + ring.bufferSize());
        }
        if (length > ring.bufferSize()) {
            throw new IllegalArgumentException("a frame of " + length + " bytes does not fit a netmap buffer of "
                    + ring.bufferSize() + " bytes");
        }
        ring.len(head, length);
        ring.flags(head, 0);
        head = ring.next(head);
        committed++;
        committedBytes += length;
    }

    private NetmapRing ring() {
        NetmapRing r = ring;
        if (r == null) {
            throw new IllegalStateException("NetmapTxSlots used outside NetmapTxBatch.fill");
        }
        return r;
    }

    private void checkRemaining() {
        ring();
        if (committed >= limit) {
            throw new IllegalStateException("no free TX slot left in this fill call (check remaining())");
        }
    }
}
