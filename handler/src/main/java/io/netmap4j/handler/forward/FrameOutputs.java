package io.netmap4j.handler.forward;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.util.Objects;

/**
 * The write side of a network function: frames read on a source channel go out on one of several
 * target channels with plain Netty writes, flushed every {@link #FLUSH_EVERY} frames and at the end
 * of each read batch, with back-pressure: while
 * any target is unwritable (above its high water mark) the source stops reading, and it reads
 * again once every target drained below its low water mark. For zero-copy forwarding (a buffer
 * index swap instead of a copy) put the source and the targets on one event loop and in one
 * memory region (pipes of one parent).
 *
 * <p>This is the one place the handlers here write between channels; it is meant to give way to
 * the transport's own forwarding path when that lands. Use it on the source's event loop only.
 */
public final class FrameOutputs {
    /**
     * Frames written to one target before it is flushed in the middle of a read batch. A zero-copy
     * frame holds its RX slot until the flush moves it out, and the receiving channel gives slots
     * back to its peer only at its next rxsync, which waits for the peer to send more: flushing
     * only at the end of a large batch would leave the peer without free slots and stall both.
     */
    public static final int FLUSH_EVERY = 32;

    private final Channel source;
    private final Channel[] targets;
    private final int[] written;
    private final long[] forwarded;
    private final ChannelHandler[] listeners;
    private boolean dirty;
    private boolean paused;
    private volatile long pauses;

    /** Outputs to {@code targets}, pausing {@code source}'s reads while any of them is unwritable. */
    public FrameOutputs(Channel source, Channel... targets) {
        this.source = Objects.requireNonNull(source, "source");
        if (targets.length == 0) {
            throw new IllegalArgumentException("at least one target channel is needed");
        }
        this.targets = targets.clone();
        this.written = new int[targets.length];
        this.forwarded = new long[targets.length];
        this.listeners = new ChannelHandler[targets.length];
        for (int i = 0; i < targets.length; i++) {
            Objects.requireNonNull(targets[i], "target " + i);
            listeners[i] = new WritabilityListener();
            targets[i].pipeline().addLast(listeners[i]);
        }
    }

    /** Number of targets. */
    public int size() {
        return targets.length;
    }

    public Channel target(int i) {
        return targets[i];
    }

    /** Writes {@code frame} (ownership passes) to target {@code i}; it goes out at the next {@link #flush()}. */
    public void write(int i, Object frame) {
        Channel t = targets[i];
        if (!t.isActive()) {
            ReferenceCountUtil.release(frame);
            return;
        }
        t.write(frame, t.voidPromise());
        forwarded[i]++;
        dirty = true;
        if (++written[i] >= FLUSH_EVERY) {
            written[i] = 0;
            t.flush();
        }
        if (!paused && !t.isWritable()) {
            paused = true;
            pauses++;
            source.config().setAutoRead(false);
        }
    }

    /** Flushes every target written to since the last flush (call at the end of a read batch). */
    public void flush() {
        if (!dirty) {
            return;
        }
        dirty = false;
        for (int i = 0; i < targets.length; i++) {
            if (written[i] != 0) {
                written[i] = 0;
                targets[i].flush();
            }
        }
    }

    /** Frames written to target {@code i} (read on the source's event loop, or approximately elsewhere). */
    public long forwarded(int i) {
        return forwarded[i];
    }

    /** How often the source was paused because a target could not keep up. */
    public long pauses() {
        return pauses;
    }

    /** True while the source's reads are paused. */
    public boolean isPaused() {
        return paused;
    }

    /** Removes the writability listeners from the targets. */
    public void detach() {
        for (int i = 0; i < targets.length; i++) {
            if (targets[i].pipeline().context(listeners[i]) != null) {
                targets[i].pipeline().remove(listeners[i]);
            }
        }
    }

    private void resumeIfAllWritable() {
        if (!paused) {
            return;
        }
        for (Channel t : targets) {
            if (!t.isWritable() && t.isActive()) {
                return;
            }
        }
        paused = false;
        source.config().setAutoRead(true);
    }

    /** On a target: when it becomes writable again, the source may read again. */
    private final class WritabilityListener extends ChannelInboundHandlerAdapter {
        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                if (source.eventLoop().inEventLoop()) {
                    resumeIfAllWritable();
                } else {
                    source.eventLoop().execute(FrameOutputs.this::resumeIfAllWritable);
                }
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // A target that went away must not keep the source paused for ever.
            source.eventLoop().execute(FrameOutputs.this::resumeIfAllWritable);
            ctx.fireChannelInactive();
        }

        @Override
        public boolean isSharable() {
            return false;
        }
    }
}
