package io.netmap4j.netty.handler;

import io.netmap4j.netty.NetmapRxBatch;
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
 * The write side of a handler that sends the frames read on its channel (the source) out on one
 * or more other channels (the targets): what {@link FrameForwarder} does for one target and a load
 * balancer for several. Used on the source's event loop: {@link #write} for each frame read,
 * {@link #flush} in {@code channelReadComplete}, {@link #close} when the handler is removed.
 *
 * <p><b>A target on the source's loop</b> (the fast case): each frame is written to it as it is
 * read and the target is flushed once per read. A {@code NetmapChannel} puts the frame straight
 * into a TX slot; a zero-copy frame of the same memory region moves by buffer index, without a
 * copy; anything else is copied once, into the slot.
 *
 * <p><b>A target on another loop</b>: the frames of one read are handed to the target's loop in one
 * task, written there (one copy each, into the slot) and flushed once; the batch then comes back
 * to the source's loop, which releases the frames where it received them. Nothing is allocated per
 * frame, and no frame crosses threads more than this.
 *
 * <p><b>Back-pressure, no loss</b>: a frame is never dropped while its target is open. While any
 * target is unwritable (TX rings full, watermark passed), or has too many batches in flight, the
 * source stops reading ({@code AUTO_READ} off), so frames wait in the source's ring (and its
 * peer's), not in memory; it reads again once every target can take more. A frame for a target
 * that is closed is released and counted ({@link #droppedFrames()}).
 */
public final class FrameOutputs {
    /** Batches that may be in flight to another loop: one being written while the next is read. */
    private static final int MAX_BATCHES_IN_FLIGHT = 2;

    private final ChannelHandlerContext source;
    private final Output[] outputs;
    private final Runnable resume = this::resumeIfPossible;
    /** True while these outputs turned the source's AUTO_READ off. */
    private boolean paused;
    private long pauses;
    private long dropped;
    private volatile long pausesSnapshot;
    private volatile long droppedSnapshot;

    /**
     * Outputs from the channel of {@code source} to {@code targets}, which may be bound later but
     * must be open when frames are written to them. Call from the handler's {@code handlerAdded}.
     */
    public FrameOutputs(ChannelHandlerContext source, Channel... targets) {
        this.source = Objects.requireNonNull(source, "source");
        if (targets.length == 0) {
            throw new IllegalArgumentException("at least one target channel is needed");
        }
        this.outputs = new Output[targets.length];
        for (int i = 0; i < targets.length; i++) {
            outputs[i] = new Output(Objects.requireNonNull(targets[i], "target " + i));
        }
    }

    /** Number of targets. */
    public int size() {
        return outputs.length;
    }

    /** Target {@code i}. */
    public Channel target(int i) {
        return outputs[i].target;
    }

    /**
     * Sends {@code frame} (its ownership passes) to target {@code i}; it leaves at the next
     * {@link #flush()}. A {@link NetmapRxBatch} (or {@link NetmapRxBatch.Tagged}) sends its
     * frames: one write for all of them to a target on the source's loop (moved by buffer index
     * where the ports share buffers), one copy each to a target on another loop.
     */
    public void write(int i, Object frame) {
        if (frame instanceof NetmapRxBatch batch) {
            writeBatch(outputs[i], frame, batch, -1);
            return;
        }
        if (frame instanceof NetmapRxBatch.Tagged tagged) {
            writeBatch(outputs[i], frame, tagged.batch(), tagged.tag());
            return;
        }
        Output o = outputs[i];
        Channel t = o.target;
        if (!t.isActive()) {
            ReferenceCountUtil.release(frame);
            dropped++;
            return;
        }
        o.frames++;
        o.bytes += frame instanceof ByteBuf buf ? buf.readableBytes()
                : frame instanceof ByteBufHolder holder ? holder.content().readableBytes() : 0;
        if (t.eventLoop() == source.channel().eventLoop()) {
            t.write(frame, t.voidPromise());
            o.wroteSinceFlush = true;
        } else {
            o.filling().add(frame);
        }
    }

    /**
     * The frames of {@code batch} that {@code tag} selects (-1: all present), written as the one
     * message {@code msg} to a target on the source's loop; as a copy each to a target on another
     * loop (a batch is over when its read ends, so it cannot wait for another loop).
     */
    private void writeBatch(Output o, Object msg, NetmapRxBatch batch, int tag) {
        int n = tag < 0 ? batch.presentFrames() : ((NetmapRxBatch.Tagged) msg).frames();
        if (n == 0) {
            return;
        }
        Channel t = o.target;
        if (!t.isActive()) {
            dropAll(batch, tag);
            dropped += n;
            return;
        }
        o.frames += n;
        o.bytes += tag < 0 ? batch.presentBytes() : ((NetmapRxBatch.Tagged) msg).bytes();
        if (t.eventLoop() == source.channel().eventLoop()) {
            // Only NetmapChannels run on a netmap event loop: the target takes the batch as it is.
            t.write(msg, t.voidPromise());
            o.wroteSinceFlush = true;
            return;
        }
        Batch filling = o.filling();
        for (int k = 0; k < batch.size(); k++) {
            if (selects(batch, tag, k)) {
                filling.add(batch.copy(k, source.alloc()));
                batch.drop(k);
            }
        }
    }

    /** True when frame {@code k} is present in {@code batch} and, unless {@code tag} is -1, tagged {@code tag}. */
    private static boolean selects(NetmapRxBatch batch, int tag, int k) {
        return batch.isPresent(k) && (tag < 0 || batch.tag(k) == tag);
    }

    private static void dropAll(NetmapRxBatch batch, int tag) {
        for (int k = 0; k < batch.size(); k++) {
            if (selects(batch, tag, k)) {
                batch.drop(k);
            }
        }
    }

    /** Sends what was written since the last flush; call at the end of each read (channelReadComplete). */
    public void flush() {
        for (Output o : outputs) {
            o.flush();
        }
        for (Output o : outputs) {
            o.framesSnapshot = o.frames;
            o.bytesSnapshot = o.bytes;
        }
        pausesSnapshot = pauses;
        droppedSnapshot = dropped;
    }

    /** Releases what was not sent and takes the watchers off the targets; the source reads again. */
    public void close() {
        for (Output o : outputs) {
            if (o.filling != null) {
                o.filling.releaseAll();
                o.filling = null;
            }
            if (o.target.pipeline().context(o.watcher) != null) {
                o.target.pipeline().remove(o.watcher);
            }
        }
        if (paused) {
            paused = false;
            source.channel().config().setAutoRead(true);
        }
    }

    /** Frames handed to target {@code i} so far (updated once per read; readable from any thread). */
    public long forwardedFrames(int i) {
        return outputs[i].framesSnapshot;
    }

    /** Bytes of the frames handed to target {@code i} so far (updated once per read). */
    public long forwardedBytes(int i) {
        return outputs[i].bytesSnapshot;
    }

    /** Frames released unsent because their target was closed (updated once per read). */
    public long droppedFrames() {
        return droppedSnapshot;
    }

    /** How often the source stopped reading because a target could not keep up (updated once per read). */
    public long pauses() {
        return pausesSnapshot;
    }

    private void pause() {
        if (!paused) {
            paused = true;
            pauses++;
            source.channel().config().setAutoRead(false);
        }
    }

    /** On the source's loop: reads again once every open target has room and few enough batches out. */
    private void resumeIfPossible() {
        if (!paused) {
            return;
        }
        for (Output o : outputs) {
            if (o.target.isActive() && (!o.target.isWritable() || o.batchesInFlight >= MAX_BATCHES_IN_FLIGHT)) {
                return;
            }
        }
        paused = false;
        source.channel().config().setAutoRead(true);
    }

    /** One target: its counts, the batch being filled for another loop, and its writability watcher. */
    private final class Output {
        final Channel target;
        final WritabilityWatcher watcher = new WritabilityWatcher();
        final ArrayDeque<Batch> freeBatches = new ArrayDeque<>();
        Batch filling;
        int batchesInFlight;
        boolean wroteSinceFlush;
        long frames;
        long bytes;
        volatile long framesSnapshot;
        volatile long bytesSnapshot;

        /** The batch being filled for the target's loop, started (or taken from the free ones) when needed. */
        Batch filling() {
            if (filling == null) {
                filling = freeBatches.isEmpty() ? new Batch(this) : freeBatches.poll();
            }
            return filling;
        }

        Output(Channel target) {
            this.target = target;
            // First in the target's pipeline, so that no handler of the user can hide the event.
            target.pipeline().addFirst(watcher);
        }

        void flush() {
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
        }
    }

    /** Sees a target's writability come back, or the target go, and tells the source's loop. */
    private final class WritabilityWatcher extends ChannelInboundHandlerAdapter {
        @Override
        public void channelWritabilityChanged(ChannelHandlerContext targetCtx) {
            if (targetCtx.channel().isWritable()) {
                resumeOnSource();
            }
            targetCtx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext targetCtx) {
            resumeOnSource(); // a target that went away must not keep the source paused for ever
            targetCtx.fireChannelInactive();
        }

        private void resumeOnSource() {
            EventLoop sourceLoop = source.channel().eventLoop();
            if (sourceLoop.inEventLoop()) {
                resumeIfPossible();
            } else {
                try {
                    sourceLoop.execute(resume);
                } catch (RejectedExecutionException ignored) {
                    // the source's loop is gone, and so is what it would resume
                }
            }
        }
    }

    /**
     * The frames of one read on their way to a target on another loop, and back: the target's loop
     * writes them (each retained once, so that the write's release does not free it there), the
     * source's loop then releases them where they were received.
     */
    private final class Batch {
        private final Output output;
        private Object[] frames = new Object[64];
        private int count;
        final Runnable writeOnTarget = this::writeOnTarget;
        private final Runnable backOnSource = this::backOnSource;

        Batch(Output output) {
            this.output = output;
        }

        void add(Object frame) {
            if (count == frames.length) {
                frames = Arrays.copyOf(frames, count * 2);
            }
            frames[count++] = frame;
        }

        private void writeOnTarget() {
            Channel target = output.target;
            if (target.isActive()) {
                for (int i = 0; i < count; i++) {
                    target.write(ReferenceCountUtil.retain(frames[i]), target.voidPromise());
                }
                target.flush();
            }
            try {
                source.channel().eventLoop().execute(backOnSource);
            } catch (RejectedExecutionException e) {
                releaseAll(); // the source's loop is gone; the frames' owners take releases from any thread
            }
        }

        private void backOnSource() {
            releaseAll();
            output.batchesInFlight--;
            output.freeBatches.add(this);
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
