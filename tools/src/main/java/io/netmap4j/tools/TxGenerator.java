package io.netmap4j.tools;

import io.netmap4j.netty.NetmapTxBatch;
import io.netmap4j.netty.NetmapTxSlots;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * The sending side: numbered frames as fast as the ring takes them, or at a set rate, until a
 * number of frames or until {@link #stop()}. Two ways to send, to compare them:
 * <ul>
 *   <li>in place (default): this handler is also an endless {@link NetmapTxBatch}, written once;
 *       each {@code fill} copies the template into up to {@code batch} free slots, and the channel
 *       syncs after each call (its write spin count is set to 1), so nothing is allocated and
 *       Netty's outbound buffer sees one message for the whole run;</li>
 *   <li>per frame: one pooled ByteBuf and one {@code ctx.write} per frame, a flush per batch,
 *       paced by the channel's writability, as an ordinary Netty application sends.</li>
 * </ul>
 * Everything runs on the channel's event loop except {@link #stop()} and the counters.
 */
final class TxGenerator extends ChannelInboundHandlerAdapter implements NetmapTxBatch {
    private static final ValueLayout.OfLong SEQUENCE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final FrameTemplate template;
    private final byte[] bytes;
    private final int size;
    private final int batch;
    private final boolean perFrame;
    private final long limit;
    private final long rate;
    private final RateMeter meter;
    private final Runnable pump = this::pump;
    private final Runnable resume = this::resume;

    private ChannelHandlerContext ctx;
    private ChannelPromise voidPromise;
    private long sent;
    private long startNanos;
    private boolean waitingForRate;
    /** Per-frame mode: the pump stopped on an unwritable channel and waits for writability. */
    private boolean parked;
    private volatile boolean stopRequested;
    private volatile boolean finished;

    /**
     * @param limit frames to send, 0 for no limit
     * @param rate  frames per second at most, 0 for no limit
     */
    TxGenerator(FrameTemplate template, int batch, boolean perFrame, long limit, long rate, RateMeter meter) {
        this.template = template;
        this.bytes = template.bytes();
        this.size = template.size();
        this.batch = batch;
        this.perFrame = perFrame;
        this.limit = limit;
        this.rate = rate;
        this.meter = meter;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.voidPromise = ctx.voidPromise();
    }

    /** Starts sending; call once, from any thread, after the channel is bound. */
    void start() {
        ctx.executor().execute(() -> {
            startNanos = System.nanoTime();
            if (!perFrame) {
                // One sync per fill call: "-b" is then exactly the frames per txsync.
                ctx.channel().config().setWriteSpinCount(1);
            }
            resume();
        });
    }

    /** Asks the generator to stop after the frame it is on; returns at once. */
    void stop() {
        stopRequested = true;
    }

    /** True once the generator sent its last frame (limit reached or stopped). */
    boolean isFinished() {
        return finished;
    }

    long sent() {
        return meter.frames();
    }

    private void resume() {
        waitingForRate = false;
        if (perFrame) {
            pump();
        } else {
            ctx.writeAndFlush(this, voidPromise);
        }
    }

    /** How many frames may go now, at most {@code batch}; 0 means the run is over or must wait. */
    private int allowance() {
        if (stopRequested || limit > 0 && sent >= limit) {
            finished = true;
            return 0;
        }
        long n = batch;
        if (limit > 0) {
            n = Math.min(n, limit - sent);
        }
        if (rate > 0) {
            long due = (long) ((System.nanoTime() - startNanos) * 1e-9 * rate) - sent;
            if (due <= 0) {
                // Come back when the next frame is due (timers are coarse; a late wake sends a bigger burst).
                long waitNanos = (long) ((sent + 1) * 1e9 / rate) - (System.nanoTime() - startNanos);
                waitingForRate = true;
                ctx.executor().schedule(resume, Math.max(waitNanos, 0), TimeUnit.NANOSECONDS);
                return 0;
            }
            n = Math.min(n, due);
        }
        return (int) n;
    }

    @Override
    public boolean fill(NetmapTxSlots slots) {
        int n = Math.min(allowance(), slots.remaining());
        if (n == 0) {
            // Done, or paused for the rate limit (the scheduled resume writes this batch again),
            // or the ring is full (then allowance() was positive: keep the write pending).
            return finished || waitingForRate;
        }
        MemorySegment region = slots.region();
        long seq = sent;
        for (int i = 0; i < n; i++) {
            long off = slots.bufferOffset();
            MemorySegment.copy(bytes, 0, region, JAVA_BYTE, off, size);
            region.set(SEQUENCE, off + FrameTemplate.SEQUENCE_OFFSET, seq++);
            slots.commit(size);
        }
        sent = seq;
        meter.add(n, (long) n * size);
        return false;
    }

    private void pump() {
        if (!ctx.channel().isActive()) {
            finished = true;
            return;
        }
        if (!ctx.channel().isWritable()) {
            parked = true; // channelWritabilityChanged resumes
            return;
        }
        int n = allowance();
        if (n == 0) {
            return;
        }
        long seq = sent;
        for (int i = 0; i < n; i++) {
            ByteBuf buf = ctx.alloc().directBuffer(size, size);
            buf.writeBytes(bytes, 0, size);
            buf.setLong(FrameTemplate.SEQUENCE_OFFSET, seq++);
            ctx.write(buf, voidPromise);
        }
        ctx.flush();
        sent = seq;
        meter.add(n, (long) n * size);
        // Let the loop run its I/O and tasks before the next batch.
        ctx.executor().execute(pump);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (parked && ctx.channel().isWritable()) {
            parked = false;
            pump();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finished = true;
        ctx.fireChannelInactive();
    }

    FrameTemplate template() {
        return template;
    }
}
