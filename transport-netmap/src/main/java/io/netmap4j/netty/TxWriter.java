package io.netmap4j.netty;

import io.netmap4j.core.NetmapRing;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;

/**
 * The direct TX path of a bound {@link NetmapChannel}: a one-slot frame written on the channel's
 * event loop while Netty's outbound buffer is empty goes into the next free TX slot at once, ahead
 * of the ring's head ({@link UnflushedSlots}), moved by buffer index when it is a zero-copy frame
 * of the same memory region and copied once otherwise; the flush publishes it and does one
 * txsync. No outbound-buffer entry, no per-frame bookkeeping beyond the slot itself. Everything
 * else takes the queued path ({@link TxQueue}). Loop-confined.
 */
final class TxWriter {
    private final TxRings rings;
    private final UnflushedSlots unflushed;
    private final ChannelCounters counters;

    TxWriter(TxRings rings) {
        this.rings = rings;
        this.counters = rings.counters;
        this.unflushed = new UnflushedSlots(rings.maxSlots());
    }

    /**
     * Writes {@code msg} straight into a TX slot if it is a one-slot frame and a slot is free, or
     * fails its promise if its bytes cannot be read; the caller has checked that nothing is queued
     * before it. Returns false, having done nothing, when the frame must take the queued path.
     */
    boolean tryWrite(Object msg, ChannelPromise promise) {
        ByteBuf content;
        if (msg instanceof ByteBuf buf) {
            content = buf;
        } else if (msg instanceof ByteBufHolder holder) {
            content = holder.content();
        } else {
            return false;
        }
        if (unflushed.isSettling()) {
            return false; // written from a promise listener during a flush: keep it behind the rest
        }
        NetmapRing ring = unflushed.ring();
        if (ring == null) {
            if (!rings.port.canTransmit() || (ring = rings.ringWithRoom()) == null) {
                return false;
            }
            unflushed.begin(ring);
        }
        int slot = unflushed.next();
        int length = content.readableBytes();
        if (slot < 0 || length > ring.bufferSize() || length == 0) {
            return false;
        }
        boolean real = !promise.isVoid();
        Object keep = null;
        if (content instanceof RxZeroCopyBuf view && rings.swapIntoSlot(view, ring, slot, length)) {
            keep = real ? msg : null; // a cancelled write must be able to give the slot's buffer back
        } else {
            try {
                rings.copyIntoSlot(content, ring, slot, length);
            } catch (RuntimeException e) {
                // An unusable message (released, or a buffer that throws): it fails alone.
                ReferenceCountUtil.safeRelease(msg);
                counters.txFailed++;
                promise.tryFailure(e);
                return true;
            }
        }
        unflushed.add(real ? promise : null, keep);
        if (keep == null) {
            ReferenceCountUtil.safeRelease(msg);
        }
        counters.txDirectFrames++;
        counters.sent(length);
        return true;
    }

    /**
     * Writes the frames of {@code batch} that a write of {@code tag} selects (-1: all present)
     * straight into TX slots, from the first, while slots are free: moved by buffer index when
     * the ports share buffers, copied otherwise. Each frame written is taken out of the batch;
     * {@code promise} (null for a void one) completes at the flush with frame {@code last}. The
     * caller has checked that nothing is queued and that the batch is current.
     *
     * @return true when every selected frame was written; false when some are left (TX rings
     *         full, or a frame no slot can take), for the queued path
     */
    boolean tryWriteBatch(NetmapRxBatch batch, int tag, ChannelPromise promise, int last) {
        if (unflushed.isSettling()) {
            return false;
        }
        NetmapRing ring = unflushed.ring();
        boolean move = rings.canMoveFrom(batch);
        int n = batch.size();
        int left = batch.countFrames(tag);
        for (int i = 0; left > 0 && i < n; i++) {
            if (!batch.selected(i, tag)) {
                continue;
            }
            left--;
            int length = batch.lengthOf(i);
            if (ring == null) {
                if (!rings.port.canTransmit() || (ring = rings.ringWithRoom()) == null) {
                    return false;
                }
                unflushed.begin(ring);
            }
            int slot = unflushed.next();
            if (slot < 0 || length > ring.bufferSize() || length == 0) {
                return false;
            }
            if (!move || !rings.moveFromBatch(batch, i, ring, slot, length)) {
                rings.copyFromBatch(batch, i, ring, slot, length);
            }
            unflushed.add(i == last ? promise : null, null);
            batch.taken(i);
            counters.txDirectFrames++;
            counters.sent(length);
        }
        return true;
    }

    /** Publishes the frames written directly (a flush begins here). */
    void publishUnflushed() {
        rings.published(unflushed.publish());
    }

    /**
     * A flush: publishes the frames written directly, runs {@code flushQueue} (Netty's flush of what
     * waits in its outbound buffer, which comes after them), then does one txsync for both. The
     * port stays mapped throughout, so that frames whose promise listener closes the channel still
     * leave.
     */
    void flush(Runnable flushQueue) throws Exception {
        rings.beginPass();
        try {
            publishUnflushed();
            flushQueue.run();
            rings.syncIfPublished();
        } finally {
            rings.endPass();
        }
    }

    /** The channel closes: frames written directly and never flushed are not sent. */
    void discardUnflushed(Throwable cause) {
        unflushed.discard(cause);
    }
}
