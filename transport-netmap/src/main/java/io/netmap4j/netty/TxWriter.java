package io.netmap4j.netty;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;

import static io.netmap4j.abi.NetmapConstants.NS_BUF_CHANGED;
import static io.netmap4j.abi.NetmapConstants.NS_MOREFRAG;

/**
 * The TX side of a bound {@link NetmapChannel}: how a written frame gets into a TX slot. Two ways,
 * one ring protocol:
 * <ul>
 *   <li><b>Direct</b> ({@link #tryWrite}): a one-slot frame written on the channel's event loop
 *       while Netty's outbound buffer is empty goes into the next free slot at once, ahead of the
 *       ring's head ({@link UnflushedSlots}); the flush publishes it with one txsync. No
 *       outbound-buffer entry, no per-frame bookkeeping beyond the slot itself.</li>
 *   <li><b>Queued</b> ({@link #doWrite}): everything else (the ring was full, something is
 *       queued before it, a {@link NetmapTxBatch}, a multi-slot chain, a write before bind)
 *       waits in Netty's outbound buffer and is written at the flush, in order.</li>
 * </ul>
 * Either way a zero-copy frame received on a port of the same memory region, on this loop, moves
 * by buffer index ({@link #swapIntoSlot}); anything else is copied once. Loop-confined.
 */
final class TxWriter {
    private final NetmapChannel channel;
    private final BoundPort bound;
    private final NetmapPort port;
    private final NetmapChannelConfig config;
    private final NetmapTxSlots batchSlots = new NetmapTxSlots();
    private final UnflushedSlots unflushed;
    private final Runnable flushLater;
    private int nextRing;
    /** Slots published (head moved over them) and not yet txsynced. */
    private int unsynced;
    long zeroCopyFrames;
    long directFrames;

    TxWriter(NetmapChannel channel, BoundPort bound) {
        this.channel = channel;
        this.bound = bound;
        this.port = bound.port;
        this.config = channel.config();
        int maxSlots = 0;
        for (int i = 0; i < port.txRingCount(); i++) {
            maxSlots = Math.max(maxSlots, port.txRing(i).numSlots());
        }
        this.unflushed = new UnflushedSlots(maxSlots);
        this.flushLater = () -> {
            if (channel.isActive()) {
                channel.flushQueued();
            }
        };
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
            if (port.txRingCount() == 0 || (ring = ringWithRoom()) == null) {
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
        if (content instanceof RxZeroCopyBuf view && swapIntoSlot(view, ring, slot, length)) {
            keep = real ? msg : null; // a cancelled write must be able to give the slot's buffer back
        } else {
            try {
                bound.copyIntoSlot(content, content.readerIndex(), ring, slot, length);
            } catch (RuntimeException e) {
                // An unusable message (released, or a buffer that throws): it fails alone.
                ReferenceCountUtil.safeRelease(msg);
                promise.tryFailure(e);
                return true;
            }
            ring.len(slot, length);
            ring.flags(slot, 0);
        }
        unflushed.add(real ? promise : null, keep);
        if (keep == null) {
            ReferenceCountUtil.safeRelease(msg);
        }
        directFrames++;
        return true;
    }

    /** Publishes the frames written directly (the flush begins here). */
    void publishUnflushed() {
        unsynced += unflushed.publish();
    }

    /** The txsync that ends a flush, when something was published since the last one. */
    void syncPublished() throws Exception {
        if (unsynced > 0) {
            unsynced = 0;
            if (channel.isActive()) {
                port.txSync();
            }
        }
    }

    /** The channel closes: frames written directly and never flushed are not sent. */
    void discardUnflushed(Throwable cause) {
        unflushed.discard(cause);
    }

    /** Writes the flushed messages of Netty's outbound buffer into TX slots, then one txsync. */
    void doWrite(ChannelOutboundBuffer in) throws Exception {
        publishUnflushed(); // they were written first
        if (port.txRingCount() == 0) {
            // Only messages written before bind get here (filterOutboundMessage refuses the rest);
            // they fail alone, the channel stays as it is.
            IllegalStateException e = NetmapChannel.noTxRing(port);
            while (in.current() != null) {
                in.remove(e);
            }
            return;
        }
        bound.enter();
        try {
            writeQueued(in);
        } finally {
            bound.exit();
        }
    }

    private void writeQueued(ChannelOutboundBuffer in) throws Exception {
        int budget = channel.maxMessagesPerWriteValue();
        int spins = config.getWriteSpinCount();
        boolean reclaimed = false;
        boolean full = false;
        boolean incomplete = false;
        for (;;) {
            Object msg = in.current();
            if (msg == null) {
                break;
            }
            NetmapRing ring = ringWithRoom();
            if (ring == null && !reclaimed) {
                // Every ring looks full: push what we filled and take back what was sent, once.
                unsynced = 0;
                port.txSync();
                reclaimed = true;
                ring = ringWithRoom();
            }
            if (ring == null) {
                full = true;
                break;
            }
            if (msg instanceof NetmapTxBatch batch) {
                batchSlots.reset(ring);
                boolean done;
                try {
                    done = batch.fill(batchSlots);
                } catch (Throwable t) {
                    unsynced += batchSlots.publish();
                    batchSlots.invalidate();
                    in.remove(t);
                    continue;
                }
                unsynced += batchSlots.publish();
                batchSlots.invalidate();
                if (done) {
                    in.remove();
                } else if (--spins <= 0) {
                    incomplete = true;
                    break;
                }
            } else {
                ByteBuf content = msg instanceof ByteBuf buf ? buf : ((ByteBufHolder) msg).content();
                int length = content.readableBytes();
                if (length == 0) {
                    // Nothing to send: an empty buffer, or what Netty leaves in place of a write
                    // cancelled before its flush. An empty Ethernet frame does not exist.
                    in.remove();
                    continue;
                }
                int bufferSize = ring.bufferSize();
                if (length > bufferSize && (length > channel.maxFrame(bufferSize) || !config.isTxMoreFrag())) {
                    // Written before bind (or before TX_MOREFRAG changed): filterOutboundMessage did not check it.
                    try {
                        channel.checkFits(length, bufferSize, port);
                    } catch (IllegalArgumentException e) {
                        in.remove(e);
                    }
                    continue;
                }
                int slots = length <= bufferSize ? 1 : (length + bufferSize - 1) / bufferSize;
                if (slots > ring.space()) {
                    // A chain goes into one ring, whole; take back what was sent, once, then wait.
                    if (reclaimed) {
                        full = true;
                        break;
                    }
                    unsynced = 0;
                    port.txSync();
                    reclaimed = true;
                    continue;
                }
                int slot = ring.head();
                if (slots == 1 && content instanceof RxZeroCopyBuf view && swapIntoSlot(view, ring, slot, length)) {
                    ring.advance(ring.next(slot));
                    unsynced++;
                    in.remove(); // the release hands the displaced buffer to the RX side
                } else {
                    try {
                        slot = copyChain(content, ring, slot, length, slots);
                    } catch (RuntimeException e) {
                        // This message is unusable (released buffer, a buffer that throws) or its slot
                        // names a buffer outside the region: fail it alone and leave the slots unpublished.
                        // Anything escaping doWrite would make Netty shut the output down.
                        in.remove(e);
                        continue;
                    }
                    ring.advance(slot);
                    unsynced += slots;
                    in.remove();
                }
            }
            if (--budget <= 0) {
                incomplete = !in.isEmpty();
                break;
            }
        }
        if (unsynced > 0) {
            unsynced = 0;
            port.txSync();
        }
        channel.ringFull(in, full);
        if (!full && incomplete) {
            // Room is left but this flush used its share: continue after the loop's other work.
            channel.eventLoop().execute(flushLater);
        }
    }

    /** Copies a frame into {@code slots} consecutive slots from {@code slot} ({@code NS_MOREFRAG} on all but the last); returns the slot after. */
    private int copyChain(ByteBuf content, NetmapRing ring, int slot, int length, int slots) {
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

    /** A bound TX ring with a free slot, starting from the one used last, or null when all are full. */
    private NetmapRing ringWithRoom() {
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
    private boolean swapIntoSlot(RxZeroCopyBuf view, NetmapRing ring, int slot, int length) {
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
        zeroCopyFrames++;
        return true;
    }
}
