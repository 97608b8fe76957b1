package io.netmap4j.netty;

import io.netmap4j.core.NetmapRing;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import static io.netmap4j.abi.NetmapConstants.NS_BUF_CHANGED;

/**
 * Frames that {@link TxWriter}'s direct path wrote into TX slots ahead of the ring's head: written
 * but not flushed. They stay invisible to netmap (a txsync, or the kernel's poll, sends only up
 * to head) until {@link #publish()} moves the head over them at the flush; a close discards them.
 * So a write that skipped Netty's outbound buffer still behaves as Netty's writes do: nothing
 * leaves before the flush, a real promise completes at the flush (and can be cancelled until
 * then), and one that was never flushed fails when the channel closes.
 *
 * <p>Per slot it keeps the write's promise (none for a void promise) and, for a frame moved by
 * buffer index with a real promise, the frame itself: its release hands the slot's old buffer to
 * the receiving side, which a cancellation must undo. Loop-confined.
 */
final class UnflushedSlots {
    private static final InternalLogger logger = InternalLoggerFactory.getInstance(UnflushedSlots.class);

    /** The ring holding the frames, or null when there are none. */
    private NetmapRing ring;
    /** The ring's head when the first frame was written: the first unflushed slot. */
    private int first;
    /** The slot after the last unflushed frame: where the next one goes. */
    private int end;
    /** The ring's tail as last read: slots before it are free. Only a sync moves it, forward. */
    private int tail;
    /** Per slot: the write's promise, or null for a void one. */
    private final ChannelPromise[] promises;
    /** Per slot: a frame moved by index whose release waits for the flush, or null. */
    private final Object[] held;
    /** Real promises among the unflushed frames: when 0 the flush has nothing to settle. */
    private int realPromises;
    /** True while promises are being completed: a write from a listener then goes through Netty's queue. */
    private boolean settling;

    UnflushedSlots(int maxSlots) {
        this.promises = new ChannelPromise[maxSlots];
        this.held = new Object[maxSlots];
    }

    /** The ring the frames are in, or null when none is unflushed. */
    NetmapRing ring() {
        return ring;
    }

    /**
     * The slot the next frame goes into, in {@link #ring()}, or -1 when the ring is full. The tail
     * is read again only when the slots known to be free are used up.
     */
    int next() {
        if (end == tail) {
            tail = ring.tail();
            if (end == tail) {
                return -1;
            }
        }
        return end;
    }

    boolean isSettling() {
        return settling;
    }

    /** Starts a run of unflushed frames in {@code r}, at its head. */
    void begin(NetmapRing r) {
        ring = r;
        first = end = r.head();
        tail = r.tail();
    }

    /**
     * The slot {@link #next()} now holds a frame; {@code promise} (null for a void one) completes
     * at the flush; {@code keep}, when not null, is released at the flush.
     */
    void add(ChannelPromise promise, Object keep) {
        if (promise != null) {
            promises[end] = promise;
            held[end] = keep;
            realPromises++;
        }
        end = ring.next(end);
    }

    /**
     * Moves the ring's head over the unflushed frames, minus those whose promise was cancelled,
     * then succeeds their promises in order.
     *
     * @return how many frames were published
     */
    int publish() {
        NetmapRing r = ring;
        if (r == null) {
            return 0;
        }
        int from = first;
        int to = realPromises > 0 ? dropCancelled(r, from, end) : end;
        r.advance(to);
        ring = null;
        if (realPromises > 0) {
            realPromises = 0;
            settling = true;
            try {
                for (int s = from; s != to; s = r.next(s)) {
                    ChannelPromise p = promises[s];
                    Object keep = held[s];
                    promises[s] = null;
                    held[s] = null;
                    if (keep != null) {
                        ReferenceCountUtil.safeRelease(keep);
                    }
                    if (p != null && !p.trySuccess()) {
                        logger.warn("Failed to mark a promise as success because it is done already: {}", p);
                    }
                }
            } finally {
                settling = false;
            }
        }
        return r.distance(from, to);
    }

    /**
     * Takes the frames whose promise was cancelled out of {@code [from, to)}, as Netty drops a
     * cancelled write at its flush: the later frames move up one slot each, and the freed buffer
     * goes to the last slot. Every other promise becomes uncancellable: its frame is sent.
     *
     * @return the new end
     */
    private int dropCancelled(NetmapRing r, int from, int to) {
        int s = from;
        while (s != to) {
            ChannelPromise p = promises[s];
            if (p == null || p.setUncancellable()) {
                s = r.next(s);
                continue;
            }
            unlend(r, s);
            int free = r.bufIdx(s);
            int t = s;
            for (int u = r.next(s); u != to; u = r.next(u)) {
                r.bufIdx(t, r.bufIdx(u));
                r.len(t, r.len(u));
                r.flags(t, NS_BUF_CHANGED);
                promises[t] = promises[u];
                held[t] = held[u];
                t = u;
            }
            r.bufIdx(t, free);
            r.flags(t, NS_BUF_CHANGED);
            promises[t] = null;
            held[t] = null;
            to = t;
        }
        return to;
    }

    /**
     * The frames are not sent: the channel closed before they were flushed. Frames moved by index
     * give their slot's buffer back; real promises fail with {@code cause}.
     */
    void discard(Throwable cause) {
        NetmapRing r = ring;
        if (r == null) {
            return;
        }
        ring = null;
        if (realPromises == 0) {
            return;
        }
        realPromises = 0;
        for (int s = first; s != end; s = r.next(s)) {
            ChannelPromise p = promises[s];
            unlend(r, s);
            promises[s] = null;
            if (p != null) {
                p.tryFailure(cause);
            }
        }
    }

    /** Releases a frame kept in slot {@code s}, first putting back the buffer its move displaced. */
    private void unlend(NetmapRing r, int s) {
        Object keep = held[s];
        if (keep == null) {
            return;
        }
        held[s] = null;
        ByteBuf content = keep instanceof ByteBuf b ? b : ((ByteBufHolder) keep).content();
        if (content instanceof RxZeroCopyBuf view && view.replacement != 0) {
            r.bufIdx(s, view.replacement);
            r.flags(s, NS_BUF_CHANGED);
            view.replacement = 0;
        }
        ReferenceCountUtil.safeRelease(keep);
    }
}
