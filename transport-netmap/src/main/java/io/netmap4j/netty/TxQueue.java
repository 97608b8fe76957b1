package io.netmap4j.netty;

import io.netmap4j.core.NetmapRing;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelOutboundBuffer;

/**
 * The queued TX path of a bound {@link NetmapChannel}: at a flush, writes the flushed messages of
 * Netty's outbound buffer into TX slots, in order, then does one txsync. It carries what the
 * direct path ({@link TxWriter}) does not: writes made while the ring was full or behind others,
 * {@link NetmapTxBatch}es (filled in place), multi-slot {@code NS_MOREFRAG} chains, writes made
 * before bind. When every ring is full the channel becomes unwritable and waits for POLLOUT; a
 * flush that used up its share of messages continues after the loop's other work.
 * Loop-confined.
 */
final class TxQueue {
    private final NetmapChannel channel;
    private final NetmapChannelConfig config;
    private final TxRings rings;
    private final NetmapTxSlots batchSlots = new NetmapTxSlots();
    private final Runnable flushLater;

    TxQueue(NetmapChannel channel, TxRings rings) {
        this.channel = channel;
        this.config = channel.config();
        this.rings = rings;
        this.flushLater = () -> {
            if (channel.isActive()) {
                channel.flushQueued();
            }
        };
    }

    /** Writes the flushed messages of Netty's outbound buffer into TX slots, then one txsync. */
    void write(ChannelOutboundBuffer in, BoundPort bound) throws Exception {
        if (!rings.port.canTransmit()) {
            // Only messages written before bind get here (filterOutboundMessage refuses the rest);
            // they fail alone, the channel stays as it is.
            IllegalStateException e = TxFrameChecks.noTxRing(rings.port);
            while (in.current() != null) {
                rings.counters.txRefusedNoRing++;
                in.remove(e);
            }
            return;
        }
        bound.enter();
        try {
            write0(in);
        } finally {
            bound.exit();
        }
    }

    private void write0(ChannelOutboundBuffer in) throws Exception {
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
            NetmapRing ring = rings.ringWithRoom();
            if (ring == null && !reclaimed) {
                // Every ring looks full: push what we filled and take back what was sent, once.
                rings.sync();
                reclaimed = true;
                ring = rings.ringWithRoom();
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
                    rings.counters.txFrames += batchSlots.committedFrames();
                    rings.counters.txBytes += batchSlots.committedBytes();
                    rings.published(batchSlots.publish());
                    batchSlots.invalidate();
                    in.remove(t);
                    continue;
                }
                rings.counters.txFrames += batchSlots.committedFrames();
                rings.counters.txBytes += batchSlots.committedBytes();
                rings.published(batchSlots.publish());
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
                int bufferSize = ring.bufferSize();
                if (length == 0 || length > bufferSize
                        && (length > TxFrameChecks.maxFrame(config, bufferSize) || !config.isTxMoreFrag())) {
                    // Written before bind (or before TX_MOREFRAG changed): filterOutboundMessage did not check it.
                    // An empty buffer is also what Netty leaves in place of a write cancelled before its
                    // flush; in.remove(e) leaves such an entry's promise alone (it is cancelled already).
                    try {
                        TxFrameChecks.checkFits(config, length, bufferSize, rings.port);
                    } catch (IllegalArgumentException e) {
                        if (msg != Unpooled.EMPTY_BUFFER) { // not a cancelled write's stand-in
                            rings.counters.refused(e, msg);
                        }
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
                    rings.sync();
                    reclaimed = true;
                    continue;
                }
                int slot = ring.head();
                if (slots == 1 && content instanceof RxZeroCopyBuf view && rings.swapIntoSlot(view, ring, slot, length)) {
                    ring.advance(ring.next(slot));
                    rings.published(1);
                    rings.counters.sent(length);
                    in.remove(); // the release hands the displaced buffer to the RX side
                } else {
                    try {
                        slot = rings.copyChain(content, ring, slot, length, slots);
                    } catch (RuntimeException e) {
                        // This message is unusable (released buffer, a buffer that throws) or its slot
                        // names a buffer outside the region: fail it alone and leave the slots unpublished.
                        // Anything escaping doWrite would make Netty shut the output down.
                        rings.counters.txFailed++;
                        in.remove(e);
                        continue;
                    }
                    ring.advance(slot);
                    rings.published(slots);
                    rings.counters.sent(length);
                    in.remove();
                }
            }
            if (--budget <= 0) {
                incomplete = !in.isEmpty();
                break;
            }
        }
        rings.syncIfPublished();
        channel.ringFull(in, full);
        if (!full && incomplete) {
            // Room is left but this flush used its share: continue after the loop's other work.
            channel.eventLoop().execute(flushLater);
        }
    }
}
