package io.netmap4j.handler.pcap;

import io.netmap4j.handler.frame.FramePredicate;
import io.netmap4j.handler.frame.FrameView;
import io.netmap4j.netty.NetmapFrame;
import io.netmap4j.netty.NetmapRxBatch;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Writes every frame it reads (or, with a {@link #filter filter}, every frame that matches) to a
 * {@link PcapWriter}, then passes the frame on, or with {@link #consume(boolean) consume(true)}
 * releases it. Frames are {@link ByteBuf}s, {@link ByteBufHolder}s, or {@link NetmapFrame}s, whose
 * ring timestamp is used when the backend set one; otherwise a frame is stamped with the time its
 * read batch reached this handler (netmap stamps rings per sync, not frames, so this is the same
 * granularity). Nothing is allocated per frame.
 *
 * <p>Records are written in one system call per {@link PcapWriter#DEFAULT_BUFFER buffer}; what is
 * pending goes out at least once a second, at every read batch with {@link #flushEveryBatch(boolean)}
 * (tcpdump's {@code -U}), and when the handler is removed (the channel closed), which also closes
 * the writer. A write error is reported once through {@code exceptionCaught} and stops the
 * capture; frames still pass on.
 *
 * <p>One handler per channel; counters may be read from any thread.
 */
public final class PcapCaptureHandler extends ChannelInboundHandlerAdapter {
    private static final long FLUSH_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final PcapWriter writer;
    private final FrameView view = new FrameView();
    private final WallClock clock = new WallClock();
    private FramePredicate filter = FramePredicate.ALL;
    private boolean consume;
    private boolean flushEveryBatch;
    private long limit;
    private ScheduledFuture<?> flusher;
    private long batchTime = -1;
    private long pendingSince = -1;
    private boolean failed;

    private long seen;
    private long captured;
    private volatile long seenPublished;
    private volatile long capturedPublished;
    private volatile boolean limitReached;

    public PcapCaptureHandler(PcapWriter writer) {
        this.writer = Objects.requireNonNull(writer, "writer");
    }

    /** Captures only frames that match (see {@code FilterExpression.compile}); all frames still pass on. */
    public PcapCaptureHandler filter(FramePredicate filter) {
        this.filter = Objects.requireNonNull(filter, "filter");
        return this;
    }

    /** Releases frames after capturing them instead of passing them on (the end of a capture pipeline). */
    public PcapCaptureHandler consume(boolean consume) {
        this.consume = consume;
        return this;
    }

    /** Writes at the end of every read batch (tcpdump's {@code -U}); otherwise when the buffer fills or once a second. */
    public PcapCaptureHandler flushEveryBatch(boolean flush) {
        this.flushEveryBatch = flush;
        return this;
    }

    /** Stops capturing after {@code frames} frames (tcpdump's {@code -c}); 0 for no limit. */
    public PcapCaptureHandler limit(long frames) {
        this.limit = frames;
        return this;
    }

    /** Frames read so far (published once per read batch). */
    public long seen() {
        return seenPublished;
    }

    /** Frames written so far (published once per read batch). */
    public long captured() {
        return capturedPublished;
    }

    /** True once the {@link #limit(long) limit} was reached. */
    public boolean isLimitReached() {
        return limitReached;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        flusher = ctx.executor().scheduleAtFixedRate(() -> flushIfOld(ctx), 1, 1, TimeUnit.SECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof NetmapRxBatch batch) {
            long stamp = batch.timestampMicros() * 1000;
            for (int i = 0; i < batch.size(); i++) {
                if (batch.isPresent(i)) {
                    capture(ctx, batch.frame(i), stamp);
                    if (consume) {
                        batch.drop(i);
                    }
                }
            }
            if (!consume) {
                ctx.fireChannelRead(batch);
            }
            return;
        }
        ByteBuf frame = null;
        long stamp = 0;
        if (msg instanceof NetmapFrame f) {
            frame = f.content();
            stamp = f.timestampMicros() * 1000;
        } else if (msg instanceof ByteBuf b) {
            frame = b;
        } else if (msg instanceof ByteBufHolder h) {
            frame = h.content();
        }
        if (frame != null) {
            capture(ctx, frame, stamp);
        }
        if (consume && frame != null) {
            ReferenceCountUtil.release(msg);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    /** Writes {@code frame} if it passes the filter and the capture goes on; {@code stamp} 0: the batch's time. */
    private void capture(ChannelHandlerContext ctx, ByteBuf frame, long stamp) {
        if (!failed && (limit == 0 || captured < limit)) {
            seen++;
            if (filter == FramePredicate.ALL || filter.test(view.wrap(frame))) {
                if (stamp == 0) {
                    if (batchTime < 0) {
                        batchTime = clock.epochNanos();
                    }
                    stamp = batchTime;
                }
                write(ctx, frame, stamp);
            }
        }
    }

    private void write(ChannelHandlerContext ctx, ByteBuf frame, long stamp) {
        try {
            writer.write(frame, stamp);
            captured++;
            if (pendingSince < 0) {
                pendingSince = System.nanoTime();
            }
            if (limit > 0 && captured >= limit) {
                writer.flush();
                pendingSince = -1;
                limitReached = true;
            }
        } catch (IOException e) {
            fail(ctx, e);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        batchTime = -1;
        seenPublished = seen;
        capturedPublished = captured;
        if (flushEveryBatch) {
            flush(ctx);
        } else {
            flushIfOld(ctx);
        }
        ctx.fireChannelReadComplete();
    }

    private void flushIfOld(ChannelHandlerContext ctx) {
        if (pendingSince >= 0 && System.nanoTime() - pendingSince >= FLUSH_INTERVAL_NANOS) {
            flush(ctx);
        }
    }

    private void flush(ChannelHandlerContext ctx) {
        if (failed || pendingSince < 0) {
            return;
        }
        try {
            writer.flush();
            pendingSince = -1;
        } catch (IOException e) {
            fail(ctx, e);
        }
    }

    private void fail(ChannelHandlerContext ctx, IOException e) {
        failed = true;
        ctx.fireExceptionCaught(e);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (flusher != null) {
            flusher.cancel(false);
        }
        seenPublished = seen;
        capturedPublished = captured;
        try {
            writer.close();
        } catch (IOException e) {
            if (!failed) {
                failed = true;
                ctx.fireExceptionCaught(e);
            }
        }
    }
}
