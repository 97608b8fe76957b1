package io.netmap4j.netty.handler;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;

/**
 * Forwards every frame received on the channel it is added to (the source) to another channel (the
 * target), as netmap's {@code bridge} does; add one to each side for both directions.
 *
 * <pre>{@code
 * a.pipeline().addLast(new FrameForwarder(b));
 * b.pipeline().addLast(new FrameForwarder(a));
 * }</pre>
 *
 * <p><b>Same event loop</b> (the fast case, what a bridge should do): each frame is written to the
 * target as it arrives and the target is flushed once per read. A {@code NetmapChannel} target
 * puts each frame straight into a TX slot; a zero-copy frame of the same memory region (two pipes
 * of one parent, two NICs of one netmap region) moves by buffer index, without a copy; anything
 * else is copied once, into the slot.
 *
 * <p><b>Different event loops</b>: the frames of one read are handed to the target's loop in one
 * task, written there one by one (one copy each, into the slot) and flushed once; the batch then
 * comes back to the source's loop, which releases the frames it received. Nothing is allocated per
 * frame, and no frame crosses threads more than this.
 *
 * <p><b>Back-pressure, no loss</b>: a frame is never dropped while the target is open. When the
 * target becomes unwritable (its TX rings full and its watermark passed), or too many batches are
 * in flight to another loop, the source stops reading ({@code AUTO_READ} off) until the target is
 * writable again, so frames wait in the source's ring (and its peer's), not in memory. A frame
 * that arrives after the target closed is released and counted ({@link #droppedFrames()}).
 *
 * <p>Frames pass through the target's pipeline like any write: its outbound handlers see each one.
 * Not sharable: one instance per direction.
 */
public final class FrameForwarder extends ChannelInboundHandlerAdapter {
    /** Batches that may be in flight to another loop: one being written while the next is read. */
    private static final int MAX_BATCHES_IN_FLIGHT = 2;

    private final Channel target;
    private final WritabilityWatcher watcher = new WritabilityWatcher();
    private final Runnable resume = this::resumeIfPossible;
    private final ArrayDeque<Batch> freeBatches = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private Batch filling;
    private int batchesInFlight;
    /** True while this forwarder turned the source's AUTO_READ off. */
    private boolean paused;
    private boolean wroteSinceFlush;
    private long forwarded;
    private long forwardedBytes;
    private long dropped;
    private volatile long forwardedSnapshot;
    private volatile long forwardedBytesSnapshot;
    private volatile long droppedSnapshot;

    /** Forwards to {@code target}, which may be bound later but must be open when frames arrive. */
    public FrameForwarder(Channel target) {
        this.target = Objects.requireNonNull(target, "target");
    }

    /** Frames handed to the target so far (updated once per read; readable from any thread). */
    public long forwardedFrames() {
        return forwardedSnapshot;
    }

    /** Bytes of the frames handed to the target so far (updated once per read; readable from any thread). */
    public long forwardedBytes() {
        return forwardedBytesSnapshot;
    }

    /** Frames released unsent because the target was closed (updated once per read). */
    public long droppedFrames() {
        return droppedSnapshot;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        // First in the target's pipeline, so that no handler of the user can hide the event.
        target.pipeline().addFirst(watcher);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (filling != null) {
            filling.releaseAll();
            filling = null;
        }
        if (target.pipeline().context(watcher) != null) {
            target.pipeline().remove(watcher);
        }
        if (paused) {
            paused = false;
            ctx.channel().config().setAutoRead(true);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!target.isActive()) {
            ReferenceCountUtil.release(msg);
            dropped++;
            return;
        }
        forwarded++;
        forwardedBytes += msg instanceof ByteBuf buf ? buf.readableBytes()
                : msg instanceof ByteBufHolder holder ? holder.content().readableBytes() : 0;
        if (target.eventLoop() == ctx.channel().eventLoop()) {
            target.write(msg, target.voidPromise());
            wroteSinceFlush = true;
        } else {
            if (filling == null) {
                filling = freeBatches.isEmpty() ? new Batch() : freeBatches.poll();
            }
            filling.add(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (wroteSinceFlush) {
            wroteSinceFlush = false;
            target.flush();
            if (!target.isWritable()) {
                pause();
            }
        }
        if (filling != null) {
            Batch batch = filling;
            filling = null;
            batchesInFlight++;
            try {
                target.eventLoop().execute(batch.writeOnTarget);
            } catch (RejectedExecutionException e) {
                batchesInFlight--;
                dropped += batch.count;
                batch.releaseAll();
                freeBatches.add(batch);
            }
            if (batchesInFlight >= MAX_BATCHES_IN_FLIGHT || !target.isWritable()) {
                pause();
            }
        }
        forwardedSnapshot = forwarded;
        forwardedBytesSnapshot = forwardedBytes;
        droppedSnapshot = dropped;
        ctx.fireChannelReadComplete();
    }

    private void pause() {
        if (!paused) {
            paused = true;
            ctx.channel().config().setAutoRead(false);
        }
    }

    /** On the source's loop: reads again once the target has room and no more batches are out than allowed. */
    private void resumeIfPossible() {
        if (paused && target.isWritable() && batchesInFlight < MAX_BATCHES_IN_FLIGHT) {
            paused = false;
            ctx.channel().config().setAutoRead(true);
        }
    }

    /** Sees the target's writability come back and tells the source's loop. */
    private final class WritabilityWatcher extends ChannelInboundHandlerAdapter {
        @Override
        public void channelWritabilityChanged(ChannelHandlerContext targetCtx) {
            if (targetCtx.channel().isWritable() && ctx != null) {
                EventLoop sourceLoop = ctx.channel().eventLoop();
                if (sourceLoop.inEventLoop()) {
                    resumeIfPossible();
                } else {
                    sourceLoop.execute(resume);
                }
            }
            targetCtx.fireChannelWritabilityChanged();
        }
    }

    /**
     * The frames of one read on their way to a target on another loop, and back: the target's loop
     * writes them (each retained once, so that the write's release does not free it there), the
     * source's loop then releases them where they were received.
     */
    private final class Batch {
        private Object[] frames = new Object[64];
        private int count;
        final Runnable writeOnTarget = this::writeOnTarget;
        private final Runnable backOnSource = this::backOnSource;

        void add(Object frame) {
            if (count == frames.length) {
                frames = Arrays.copyOf(frames, count * 2);
            }
            frames[count++] = frame;
        }

        private void writeOnTarget() {
            if (target.isActive()) {
                for (int i = 0; i < count; i++) {
                    target.write(ReferenceCountUtil.retain(frames[i]), target.voidPromise());
                }
                target.flush();
            }
            EventLoop sourceLoop = ctx.channel().eventLoop();
            try {
                sourceLoop.execute(backOnSource);
            } catch (RejectedExecutionException e) {
                releaseAll(); // the source's loop is gone; the frames' owners take releases from any thread
            }
        }

        private void backOnSource() {
            releaseAll();
            batchesInFlight--;
            freeBatches.add(this);
            resumeIfPossible();
        }

        void releaseAll() {
            for (int i = 0; i < count; i++) {
                ReferenceCountUtil.release(frames[i]);
                frames[i] = null;
            }
            count = 0;
        }
    }
}
