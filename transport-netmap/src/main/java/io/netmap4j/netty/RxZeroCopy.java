package io.netmap4j.netty;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;

import java.nio.ByteBuffer;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.netmap4j.abi.NetmapConstants.NS_BUF_CHANGED;

/**
 * Zero-copy reception for one bound port: the recycled {@link RxZeroCopyBuf} of every buffer
 * index, which RX slots are still held by a frame, and the extra buffers swapped in for kept
 * frames. Used on the channel's event loop only (releases from other threads hop onto it).
 */
final class RxZeroCopy {
    private static final int PAGE_SHIFT = 10;
    private final NetmapChannel channel;
    private final BoundPort bound;
    private final NetmapPort port;
    /** Buffers by index, in pages of 1024 made on first use: regions can hold 100k+ buffers. */
    private final RxZeroCopyBuf[][] buffers;
    /** Per bound RX ring, per slot: a delivered frame still references the slot's buffer. */
    private final boolean[][] held;
    /** True while the RX loop runs; it moves the rings' heads itself when a ring is done. */
    boolean inRxLoop;
    private final ChannelCounters counters;

    RxZeroCopy(NetmapChannel channel, BoundPort bound, ChannelCounters counters) {
        this.channel = channel;
        this.counters = counters;
        this.bound = bound;
        this.port = bound.port;
        long count = port.rxRingCount() > 0 ? port.rxRing(0).bufferCount() : 0;
        this.buffers = new RxZeroCopyBuf[(int) ((count >>> PAGE_SHIFT) + 1)][];
        this.held = new boolean[port.rxRingCount()][];
        for (int i = 0; i < held.length; i++) {
            held[i] = new boolean[port.rxRing(i).numSlots()];
        }
    }

    /**
     * The frame in {@code slot}: the buffer's recycled view, or a copy when that view is still
     * referenced by an earlier frame. The slot is then not held: the copy owns no netmap buffer.
     */
    ByteBuf frame(ByteBufAllocator alloc, NetmapRing ring, int r, int slot, int length) {
        return frame(alloc, ring, r, slot, length, true);
    }

    /**
     * {@link #frame(ByteBufAllocator, NetmapRing, int, int, int)}, counted as a received frame
     * only when {@code count} (a frame of an RX batch was counted when the batch was delivered).
     */
    ByteBuf frame(ByteBufAllocator alloc, NetmapRing ring, int r, int slot, int length, boolean count) {
        int bufIdx = ring.bufIdx(slot);
        long offset = ring.bufferOffset(bufIdx); // validates the index before it is used below
        RxZeroCopyBuf[] page = buffers[bufIdx >>> PAGE_SHIFT];
        if (page == null) {
            page = buffers[bufIdx >>> PAGE_SHIFT] = new RxZeroCopyBuf[1 << PAGE_SHIFT];
        }
        RxZeroCopyBuf buf = page[bufIdx & ((1 << PAGE_SHIFT) - 1)];
        if (buf == null) {
            ByteBuffer view = ring.region().asSlice(offset, ring.bufferSize()).asByteBuffer();
            buf = page[bufIdx & ((1 << PAGE_SHIFT) - 1)] = new RxZeroCopyBuf(alloc, view, this, bufIdx);
        } else if (buf.refCnt() != 0) {
            // The same buffer arrived again while a handler still holds it: a peer that reuses
            // a buffer it gave us (the region is shared and not trusted), or the backend's
            // scratch buffer standing in for several damaged descriptors. Reusing the view
            // would reset a live frame's count; a copy keeps both frames intact.
            if (count) {
                counters.rxCopiedFrames++;
            }
            return bound.copyOutOfSlot(alloc, ring, slot, length);
        }
        held[r][slot] = true;
        if (count) {
            counters.rxZeroCopyFrames++;
        }
        // only the loop lends frames, and never once a late releaser can run (see released)
        bound.lent.setPlain(bound.lent.getPlain() + 1);
        return buf.reuse(r, slot, length);
    }

    /** After channelRead: a frame still referenced is swapped out of its slot if an extra buffer is left. */
    void afterRead(NetmapRing ring, RxZeroCopyBuf buf) {
        if (buf.refCnt() == 0 || buf.detached || !port.isOpen()) {
            return;
        }
        int extra = port.takeExtraBuffer();
        if (extra != 0) {
            ring.bufIdx(buf.slot, extra);
            ring.flags(buf.slot, NS_BUF_CHANGED); // the frame was delivered: its other flags are spent
            buf.detached = true;
            held[buf.ring][buf.slot] = false;
            counters.rxExtraBufferSwaps++;
        }
    }

    /** Moves the ring's head over the released slots at its front. */
    void advanceHead(NetmapRing ring, int r) {
        boolean[] taken = held[r];
        int head = ring.head();
        int cur = ring.cur();
        if (Integer.compareUnsigned(head, taken.length) >= 0 || Integer.compareUnsigned(cur, taken.length) >= 0) {
            return; // damaged by someone else: the next read reports it and closes the channel
        }
        while (head != cur && !taken[head]) {
            head = ring.next(head);
        }
        ring.head(head);
    }

    /**
     * True when a frame of this port may move, by index, into a slot of {@code other} whose
     * channel runs on {@code loop} (and the caller is on it): same buffers, and this channel's
     * state is on that loop.
     */
    boolean canLendTo(NetmapPort other, EventLoop loop) {
        return BoundPort.sharesBuffers(port, other) && channel.eventLoop() == loop && channel.isRegistered() && port.isOpen();
    }

    /** True on the channel's event loop, where this state lives. */
    boolean inLoop() {
        return channel.eventLoop().inEventLoop();
    }

    /**
     * Gives a released frame's buffer back. While the loop runs normally this happens on the
     * loop (releases elsewhere hop onto it) with plain accesses. Once the loop refuses tasks it
     * has left its run loop and may be closing the channel in its destroy step; a release on
     * another thread then runs here at the same time as the loop's own releases and close, so
     * from the moment the loop shuts down both sides lock this object and count atomically.
     * (The loop sets its shut-down state itself, so it sees it before any such overlap.)
     */
    void released(RxZeroCopyBuf buf) {
        EventLoop loop = channel.eventLoop();
        if (loop.inEventLoop()) {
            releasedOnLoop(buf);
        } else {
            LateRelease task = new LateRelease(buf);
            try {
                loop.execute(task);
            } catch (RejectedExecutionException e) {
                task.claimAndRun();
                return;
            }
            if (loop.isShutdown()) {
                // A loop that terminates drops whatever is still queued when it drains its tasks;
                // if ours was among them, nobody else would give the buffer back. Whoever claims
                // the task first (the loop, or this thread) runs it.
                task.claimAndRun();
            }
        }
    }

    /** {@link #released} on the channel's event loop. */
    void releasedOnLoop(RxZeroCopyBuf buf) {
        if (channel.eventLoop().isShuttingDown()) {
            synchronized (this) {
                released0(buf, true);
            }
        } else {
            released0(buf, false);
        }
    }

    /** A release handed to the loop from another thread; runs once, on the loop or, when the loop is gone, here. */
    private final class LateRelease extends AtomicBoolean implements Runnable {
        private final RxZeroCopyBuf buf;

        LateRelease(RxZeroCopyBuf buf) {
            this.buf = buf;
        }

        @Override
        public void run() {
            if (compareAndSet(false, true)) {
                released(buf);
            }
        }

        void claimAndRun() {
            if (compareAndSet(false, true)) {
                synchronized (RxZeroCopy.this) {
                    released0(buf, true);
                }
            }
        }
    }

    private void released0(RxZeroCopyBuf buf, boolean concurrent) {
        // The buffer goes back before the count drops: at zero another thread may unmap.
        if (port.isOpen()) {
            // A frame sent by index left its buffer in a TX slot and takes that slot's instead.
            int back = buf.replacement != 0 ? buf.replacement : buf.bufIdx;
            buf.replacement = 0;
            if (buf.detached) {
                port.giveExtraBuffer(back);
            } else {
                if (back != buf.bufIdx) {
                    NetmapRing ring = port.rxRing(buf.ring);
                    ring.bufIdx(buf.slot, back);
                    ring.flags(buf.slot, NS_BUF_CHANGED); // the frame was delivered: its other flags are spent
                }
                held[buf.ring][buf.slot] = false;
                if (!inRxLoop) {
                    advanceHead(port.rxRing(buf.ring), buf.ring);
                }
            }
        }
        int left;
        if (concurrent) {
            left = bound.lent.decrementAndGet();
        } else {
            left = bound.lent.getPlain() - 1;
            bound.lent.setPlain(left);
        }
        bound.lentFrameReturned(left);
    }
}
