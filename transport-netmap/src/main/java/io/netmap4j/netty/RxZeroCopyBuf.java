package io.netmap4j.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;

import java.nio.ByteBuffer;

/**
 * A received frame as a view of the netmap buffer that holds it. There is one such object per
 * buffer index, made the first time the buffer is seen and reused ever after: releasing it does
 * not free memory (the region belongs to the port), it hands the buffer back to the channel, which
 * returns its slot to the ring.
 */
final class RxZeroCopyBuf extends UnpooledDirectByteBuf {
    final RxZeroCopy owner;
    final int bufIdx;
    /** RX ring (position among the port's bound RX rings) and slot the buffer was delivered from. */
    int ring;
    int slot;
    /** True once the buffer was swapped out of its slot for an extra buffer. */
    boolean detached;
    /**
     * Not 0 once the buffer moved into a TX slot of a port in the same region: the free buffer
     * that slot held, which the release gives the RX side in place of this one.
     */
    int replacement;

    RxZeroCopyBuf(ByteBufAllocator alloc, ByteBuffer view, RxZeroCopy owner, int bufIdx) {
        super(alloc, view, view.capacity());
        this.owner = owner;
        this.bufIdx = bufIdx;
    }

    /** Makes the buffer a fresh frame of {@code length} bytes with one reference. */
    RxZeroCopyBuf reuse(int ring, int slot, int length) {
        this.ring = ring;
        this.slot = slot;
        this.detached = false;
        this.replacement = 0;
        resetRefCnt();
        setIndex(0, length);
        return this;
    }

    /**
     * Releases one reference; the last one, given up on the channel's event loop, without an atomic
     * instruction. A count of one read there means the caller holds the only reference, so no
     * other thread may legally retain or release this buffer at the same time: a plain (release)
     * store of "released" is then as good as the compare-and-set, and the buffer goes back to the
     * channel in program order on the loop that reuses it. Every other case (more references,
     * another thread) takes Netty's atomic path.
     */
    @Override
    public boolean release() {
        if (refCnt() == 1 && owner.inLoop()) {
            setRefCnt(0);
            owner.releasedOnLoop(this);
            return true;
        }
        return super.release();
    }

    @Override
    protected void deallocate() {
        // The memory is the port's: do not free it, give the buffer back (never calls super).
        owner.released(this);
    }

    @Override
    public ByteBuf capacity(int newCapacity) {
        if (newCapacity == capacity()) {
            return this;
        }
        throw new UnsupportedOperationException("a zero-copy netmap frame has the fixed capacity of its netmap buffer ("
                + capacity() + " bytes); copy() it to get a resizable buffer");
    }
}
