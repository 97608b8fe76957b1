package io.netmap4j.netty;

import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.core.PeerGoneException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.DefaultMaxMessagesRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * The RX loop of a {@link NetmapChannel}: one rxsync, then up to {@code MAX_MESSAGES_PER_READ}
 * frames handed to the pipeline, one {@code channelRead} each, then one
 * {@code channelReadComplete}. A frame is a copy into an allocator buffer, or in zero-copy mode
 * a recycled view of its netmap buffer ({@link RxZeroCopy}); a multi-slot frame is always a
 * copy ({@link RxChains}). Loop-confined.
 */
final class RxReader {
    /** Frames read ahead when the allocator decides frame by frame how many a read takes. */
    private static final int UNBOUNDED_READ_AHEAD = 32;
    private final NetmapChannel channel;
    private final BoundPort bound;
    private final NetmapChannelConfig config;
    /** Null unless RX_ZERO_COPY was on at bind: the RX slots' ownership rules cannot change under held frames. */
    private final RxZeroCopy zeroCopy;
    private final RxChains chains;
    private final ChannelCounters counters;
    private int nextRing;
    /** Made on the first read with RX_BATCH on. */
    private NetmapRxBatch batch;
    /** Sum of the bytes {@link #touchAhead} read: its only purpose is to make those reads happen. */
    private int touched;

    RxReader(NetmapChannel channel, BoundPort bound, RxZeroCopy zeroCopy, ChannelCounters counters) {
        this.channel = channel;
        this.bound = bound;
        this.config = channel.config();
        this.zeroCopy = zeroCopy;
        this.counters = counters;
        this.chains = new RxChains(bound, counters);
    }

    /**
     * Drains the RX rings into the pipeline.
     *
     * @param synced the port reported POLLIN from a sync it ran in this loop iteration (a port
     *               that syncs in Java, in readyOps or completePoll), so the rings are current
     *               and a second rxsync would only cost time
     * @return what went wrong with the port (already fired through the pipeline unless the peer
     *         left), or null
     */
    Throwable read(boolean synced) {
        NetmapPort p = bound.port;
        ChannelPipeline pipeline = channel.pipeline();
        RecvByteBufAllocator.Handle handle = channel.unsafe().recvBufAllocHandle();
        handle.reset(config);
        // Netty's own allocators stop a read at maxMessagesPerRead or when AUTO_READ is off; for
        // them the handle is told the totals once per read instead of three calls per frame.
        // Any other allocator is asked before every frame, as its contract says.
        int budget = config.getRecvByteBufAllocator() instanceof DefaultMaxMessagesRecvByteBufAllocator netty
                ? netty.maxMessagesPerRead() : 0;
        ByteBufAllocator alloc = config.getAllocator();
        RxZeroCopy zc = zeroCopy;
        boolean metadata = config.isRxFrameMetadata();
        boolean readAhead = config.isRxReadAhead();
        NetmapRxBatch batch = config.isRxBatch() ? batch() : null;
        int delivered = 0;
        long bytes = 0;
        Throwable failure = null;
        bound.enter();
        if (zc != null) {
            zc.inRxLoop = true;
        }
        try {
            if (!synced) {
                counters.rxSyncs++;
                p.rxSync();
            }
            int rings = p.rxRingCount();
            outer:
            for (int k = 0; k < rings; k++) {
                int r = nextRing + k;
                if (r >= rings) {
                    r -= rings;
                }
                NetmapRing ring = p.rxRing(r);
                int cur = ring.cur();
                int tail = ring.tail();
                // The sync leaves them right; only someone else writing this memory breaks them (a
                // peer process of a user-space pipe shares the whole region), also between two
                // reads: the indices used below are the ones checked here.
                if (Integer.compareUnsigned(cur, ring.numSlots()) >= 0
                        || Integer.compareUnsigned(tail, ring.numSlots()) >= 0 || !ring.invariantsHold()) {
                    throw damagedRing(p, ring);
                }
                if (cur == tail) {
                    if (zc != null) {
                        zc.advanceHead(ring, r); // over slots released since the last read
                    }
                    continue;
                }
                long timestamp = metadata ? ring.timestampMicros() : 0;
                int bufferSize = ring.bufferSize();
                if (readAhead) {
                    touchAhead(ring, cur, tail, budget > 0 ? budget - delivered : UNBOUNDED_READ_AHEAD);
                }
                try {
                    while (cur != tail) {
                        if (delivered > 0 && (budget > 0
                                ? delivered >= budget || !config.isAutoRead() : !handle.continueReading())) {
                            nextRing = r;
                            break outer;
                        }
                        int slot = cur;
                        int slotFlags = ring.flags(slot);
                        int length;
                        ByteBuf frame;
                        if (chains.startsAt(r, slotFlags)) {
                            // One frame in several slots: gathered into one copy, or dropped.
                            int end = chains.end(ring, r, slot, tail);
                            if (end == RxChains.INCOMPLETE) {
                                break; // the rest is not published yet; read it next time
                            }
                            int after = end < 0 ? ring.next(-end - 1) : ring.next(end);
                            frame = end < 0 ? null : chains.gather(alloc, ring, slot, after);
                            cur = after;
                            if (zc != null) {
                                ring.cur(cur); // no slot is held: the frame is a copy
                            } else {
                                ring.advance(cur);
                            }
                            if (frame == null) {
                                continue;
                            }
                            length = frame.readableBytes();
                        } else if (batch != null) {
                            // RX_BATCH: the one-slot frames from here on, in place, as one message.
                            int max = budget > 0 ? budget - delivered : ring.numSlots();
                            int after = fillBatch(batch, ring, r, cur, tail, max, timestamp);
                            int n = batch.size();
                            long batchBytes = batch.presentBytes();
                            if (budget <= 0) {
                                int total = (int) Math.min(batchBytes, Integer.MAX_VALUE);
                                handle.attemptedBytesRead(total);
                                handle.lastBytesRead(total);
                                handle.incMessagesRead(n);
                            }
                            bytes += batchBytes;
                            counters.rxZeroCopyFrames += n; // read in place, like zero-copy frames
                            channel.readPending = false;
                            delivered += n;
                            try {
                                pipeline.fireChannelRead(batch);
                            } finally {
                                batch.end();
                            }
                            cur = after;
                            if (zc != null) {
                                ring.cur(cur); // slots held by earlier zero-copy frames keep the head back
                            } else {
                                ring.advance(cur);
                            }
                            if (!channel.isActive()) {
                                break outer;
                            }
                            continue;
                        } else {
                            cur = ring.next(cur);
                            length = Math.min(ring.len(slot), bufferSize);
                            if (zc != null) {
                                frame = zc.frame(alloc, ring, r, slot, length);
                                ring.cur(cur);
                            } else {
                                frame = bound.copyOutOfSlot(alloc, ring, slot, length);
                                ring.advance(cur);
                            }
                        }
                        bytes += length;
                        if (budget <= 0) {
                            handle.attemptedBytesRead(length);
                            handle.lastBytesRead(length);
                            handle.incMessagesRead(1);
                        }
                        channel.readPending = false;
                        delivered++;
                        pipeline.fireChannelRead(metadata
                                ? new NetmapFrame(frame, ring.index(), slotFlags, timestamp) : frame);
                        if (frame instanceof RxZeroCopyBuf view) {
                            zc.afterRead(ring, view);
                        }
                        if (!channel.isActive()) {
                            break outer; // a handler closed the channel
                        }
                    }
                } finally {
                    if (zc != null) {
                        zc.advanceHead(ring, r);
                    }
                }
            }
        } catch (Throwable t) {
            failure = t;
        } finally {
            if (zc != null) {
                zc.inRxLoop = false;
            }
            bound.exit();
        }
        if (delivered > 0) {
            counters.rxFrames += delivered;
            counters.rxBytes += bytes;
            if (budget > 0) {
                // Only a huge maxMessagesPerRead could pass 2 GiB in one read; the handle counts in ints.
                int total = (int) Math.min(bytes, Integer.MAX_VALUE);
                handle.attemptedBytesRead(total);
                handle.lastBytesRead(total);
                handle.incMessagesRead(delivered);
            }
            handle.readComplete();
            pipeline.fireChannelReadComplete();
        }
        if (failure != null && !(failure instanceof PeerGoneException)) {
            pipeline.fireExceptionCaught(failure);
        }
        return failure;
    }

    private NetmapRxBatch batch() {
        if (batch == null) {
            batch = new NetmapRxBatch(channel, bound, zeroCopy);
        }
        return batch;
    }

    /**
     * Puts the one-slot frames from {@code cur} into {@code batch}: up to {@code max}, stopping
     * before {@code tail}, the first slot of a chain, or a slot naming no buffer (which, when it
     * is the first, fails the read as it does per frame). Returns the slot after the last.
     */
    private int fillBatch(NetmapRxBatch batch, NetmapRing ring, int r, int cur, int tail, int max, long timestamp) {
        int bufferSize = ring.bufferSize();
        ring.bufferOffset(ring.bufIdx(cur)); // throws for a first slot that names no buffer, before the batch begins
        batch.begin(ring, r, cur, Math.min(ring.distance(cur, tail), max), timestamp);
        int slot = cur;
        for (int n = 0; slot != tail && n < max; n++) {
            int bufIdx = ring.bufIdx(slot);
            if (chains.startsAt(r, ring.flags(slot)) || (!ring.isValidBuffer(bufIdx) && n > 0)) {
                break;
            }
            batch.add(bufIdx, ring.bufferOffset(bufIdx), Math.min(ring.len(slot), bufferSize));
            slot = ring.next(slot);
        }
        return slot;
    }

    /**
     * {@link NetmapChannelOption#RX_READ_AHEAD}: reads the first byte of the frames about to be
     * delivered, all at once. A frame's buffer was last written by another core, and with
     * thousands of 2 KiB buffers in circulation its page is often missing from the TLB too: the
     * first read of each frame is a long wait. Made one frame at a time, inside the handlers,
     * those waits add up; issued here back to back, with nothing depending on one another, the
     * CPU overlaps them, and the handlers then find the headers in cache. Indices a peer damaged
     * are skipped (the delivery loop reports them).
     */
    private void touchAhead(NetmapRing ring, int cur, int tail, int max) {
        MemorySegment region = ring.region();
        int n = Math.min(ring.distance(cur, tail), max);
        int sum = 0;
        for (int i = 0, slot = cur; i < n; i++, slot = ring.next(slot)) {
            int bufIdx = ring.bufIdx(slot);
            if (ring.isValidBuffer(bufIdx)) {
                sum += region.get(JAVA_BYTE, ring.bufferOffset(bufIdx));
            }
        }
        touched = sum; // kept, so that the reads are not optimised away
    }

    private static NetmapException damagedRing(NetmapPort p, NetmapRing ring) {
        return new NetmapException(p.name() + ": RX ring " + ring.index() + " was damaged by someone else writing its "
                + "memory (head " + ring.head() + ", cur " + ring.cur() + ", tail " + ring.tail() + " of "
                + ring.numSlots() + " slots); the channel closes: open the port again");
    }
}
