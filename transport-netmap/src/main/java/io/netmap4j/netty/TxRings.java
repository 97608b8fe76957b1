package io.netmap4j.netty;

import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;

import java.lang.foreign.MemorySegment;

import static io.netmap4j.abi.NetmapConstants.NS_BUF_CHANGED;
import static io.netmap4j.abi.NetmapConstants.NS_MOREFRAG;

/**
 * The TX rings of a bound port as its channel fills them, for both TX paths ({@link TxWriter}'s
 * direct one and {@link TxQueue}'s): which ring takes the next frame, how a frame gets into a
 * slot (moved by buffer index, or copied), and how many published slots wait for a txsync.
 * Loop-confined.
 */
final class TxRings {
    private final NetmapChannel channel;
    private final BoundPort bound;
    final NetmapPort port;
    private int nextRing;
    /** Slots published (head moved over them) and not yet txsynced. */
    private int unsynced;
    final ChannelCounters counters;

    TxRings(NetmapChannel channel, BoundPort bound, ChannelCounters counters) {
        this.channel = channel;
        this.counters = counters;
        this.bound = bound;
        this.port = bound.port;
    }

    /** The largest number of slots of any bound TX ring. */
    int maxSlots() {
        int max = 0;
        for (int i = 0; i < port.txRingCount(); i++) {
            max = Math.max(max, port.txRing(i).numSlots());
        }
        return max;
    }

    /** A bound TX ring with a free slot, starting from the one used last, or null when all are full. */
    NetmapRing ringWithRoom() {
        int n = port.txRingCount();
        for (int k = 0; k < n; k++) {
            int r = nextRing + k;
            if (r >= n) {
                r -= n;
            }
            NetmapRing ring = port.txRing(r);
            if (!ring.isEmpty()) {
                nextRing = r;
                return ring;
            }
        }
        return null;
    }

    /** {@code n} more slots were published (their ring's head moved over them). */
    void published(int n) {
        unsynced += n;
    }

    /** Pushes what was published and takes back what was sent (a txsync, also with nothing published). */
    void sync() throws NetmapException {
        unsynced = 0;
        counters.txSyncs++;
        port.txSync();
    }

    /**
     * The txsync that ends a flush, when something was published since the last one. Called inside
     * a pass ({@link BoundPort#enter()}), so the port is still mapped even if a promise listener
     * closed the channel during the flush: the frames it published still go out.
     */
    void syncIfPublished() throws NetmapException {
        if (unsynced > 0) {
            unsynced = 0;
            if (bound.isMapped()) {
                counters.txSyncs++;
                port.txSync();
            }
        }
    }

    /** A flush begins: the port stays mapped until {@link #endPass()}. */
    void beginPass() {
        bound.enter();
    }

    void endPass() {
        bound.exit();
    }

    /**
     * Sends a zero-copy frame by moving its buffer instead of its bytes: the TX slot takes the
     * frame's buffer index, and the free buffer the slot held goes to the RX side that lent the
     * frame once the write releases it ({@link RxZeroCopyBuf#replacement}). Only when the frame
     * is a whole buffer as delivered (reader index 0) with no other reference, its port shares
     * this port's buffers (same backend and memory id, same region size; the index names the
     * same memory in both, even where each port maps the region at its own address), and its
     * channel runs on this event loop, since the swap changes that channel's ring and counts. A
     * bridge puts both ports on one loop; anything else returns false and the frame is copied.
     */
    boolean swapIntoSlot(RxZeroCopyBuf view, NetmapRing ring, int slot, int length) {
        EventLoop loop = channel.eventLoop();
        if (view.readerIndex() != 0 || view.refCnt() != 1 || view.replacement != 0
                || !view.owner.canLendTo(port, loop)) {
            return false;
        }
        int spare = ring.bufIdx(slot);
        if (spare == 0 || !ring.isValidBuffer(spare)) {
            return false; // a damaged slot: the copy path reports it
        }
        ring.bufIdx(slot, view.bufIdx);
        ring.len(slot, length);
        ring.flags(slot, NS_BUF_CHANGED);
        view.replacement = spare;
        counters.txZeroCopyFrames++;
        return true;
    }

    /**
     * True when frames of {@code batch} may move into this port's TX slots by buffer index: its
     * port shares this port's buffers, is still open, and its channel runs on this event loop
     * (the move changes its RX ring).
     */
    boolean canMoveFrom(NetmapRxBatch batch) {
        NetmapPort other = batch.port();
        return BoundPort.sharesBuffers(port, other) && other.isOpen()
                && batch.channel().eventLoop() == channel.eventLoop();
    }

    /**
     * Sends frame {@code i} of {@code batch} by moving its buffer, as netmap's bridge does: the TX
     * slot takes the frame's buffer, the RX slot the free buffer the TX slot held, both flagged
     * {@code NS_BUF_CHANGED}. False, having done nothing, when the TX slot names no buffer.
     */
    boolean moveFromBatch(NetmapRxBatch batch, int i, NetmapRing ring, int slot, int length) {
        int spare = ring.bufIdx(slot);
        if (spare == 0 || !ring.isValidBuffer(spare)) {
            return false; // a damaged slot: the copy path reports it
        }
        NetmapRing rx = batch.ring();
        int rxSlot = batch.slot(i);
        ring.bufIdx(slot, batch.bufferIndex(i));
        ring.len(slot, length);
        ring.flags(slot, NS_BUF_CHANGED);
        rx.bufIdx(rxSlot, spare);
        rx.flags(rxSlot, NS_BUF_CHANGED);
        counters.txZeroCopyFrames++;
        return true;
    }

    /** Copies frame {@code i} of {@code batch} into {@code slot}. */
    void copyFromBatch(NetmapRxBatch batch, int i, NetmapRing ring, int slot, int length) {
        MemorySegment.copy(batch.region(), batch.offset(i), ring.region(), ring.slotBufferOffset(slot), length);
        ring.len(slot, length);
        ring.flags(slot, 0);
    }

    /** Copies a one-slot frame into {@code slot}. */
    void copyIntoSlot(ByteBuf content, NetmapRing ring, int slot, int length) {
        bound.copyIntoSlot(content, content.readerIndex(), ring, slot, length);
        ring.len(slot, length);
        ring.flags(slot, 0);
    }

    /**
     * Copies a frame into {@code slots} consecutive slots from {@code slot} ({@code NS_MOREFRAG}
     * on all but the last); returns the slot after.
     */
    int copyChain(ByteBuf content, NetmapRing ring, int slot, int length, int slots) {
        int bufferSize = ring.bufferSize();
        int offset = content.readerIndex();
        int left = length;
        for (int k = 1; k <= slots; k++) {
            int chunk = Math.min(left, bufferSize);
            bound.copyIntoSlot(content, offset, ring, slot, chunk);
            ring.len(slot, chunk);
            ring.flags(slot, k < slots ? NS_MOREFRAG : 0);
            slot = ring.next(slot);
            offset += chunk;
            left -= chunk;
        }
        return slot;
    }
}
