package io.netmap4j.tools;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * The ping side: one frame in flight at a time, stamped with its sequence number and the send
 * time ({@code System.nanoTime()}, so the echo must come back to this process); the next ping
 * leaves as soon as the echo arrives, or when it is due at the set rate. A ping unanswered for a
 * second counts as lost and the next one goes.
 */
final class Pinger extends ChannelInboundHandlerAdapter {
    /** Where the send time sits: right after the sequence number. */
    static final int TIMESTAMP_OFFSET = FrameTemplate.SEQUENCE_OFFSET + 8;
    static final int MIN_SIZE = TIMESTAMP_OFFSET + 8;
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final byte[] bytes;
    private final int size;
    private final long limit;
    private final long rate;
    private final RateMeter sentMeter;
    private final RateMeter replyMeter;
    private final LatencyStats stats;
    private final Runnable sendTask = this::send;

    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> watchdog;
    private long seq;
    private long sentAt;
    private long startNanos;
    private boolean awaiting;
    private volatile long lost;
    private volatile boolean stopRequested;
    private volatile boolean finished;

    Pinger(FrameTemplate template, long limit, long rate, RateMeter sentMeter, RateMeter replyMeter,
           LatencyStats stats) {
        if (template.size() < MIN_SIZE) {
            throw new IllegalArgumentException("ping frames need at least " + MIN_SIZE + " bytes, not " + template.size());
        }
        this.bytes = template.bytes();
        this.size = template.size();
        this.limit = limit;
        this.rate = rate;
        this.sentMeter = sentMeter;
        this.replyMeter = replyMeter;
        this.stats = stats;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    void start() {
        ctx.executor().execute(() -> {
            startNanos = System.nanoTime();
            watchdog = ctx.executor().scheduleAtFixedRate(this::checkTimeout, 100, 100, TimeUnit.MILLISECONDS);
            send();
        });
    }

    void stop() {
        stopRequested = true;
    }

    boolean isFinished() {
        return finished;
    }

    long lost() {
        return lost;
    }

    private void send() {
        if (stopRequested || limit > 0 && seq >= limit || !ctx.channel().isActive()) {
            finish();
            return;
        }
        if (rate > 0) {
            long due = startNanos + (long) (seq * 1e9 / rate);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                ctx.executor().schedule(sendTask, wait, TimeUnit.NANOSECONDS);
                return;
            }
        }
        ByteBuf buf = ctx.alloc().directBuffer(size, size);
        buf.writeBytes(bytes, 0, size);
        buf.setLong(FrameTemplate.SEQUENCE_OFFSET, seq);
        sentAt = System.nanoTime();
        buf.setLong(TIMESTAMP_OFFSET, sentAt);
        awaiting = true;
        ctx.writeAndFlush(buf, ctx.voidPromise());
        sentMeter.add(1, size);
    }

    private void finish() {
        finished = true;
        if (watchdog != null) {
            watchdog.cancel(false);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        long now = System.nanoTime();
        try {
            if (msg instanceof ByteBuf buf && buf.readableBytes() >= MIN_SIZE && awaiting) {
                int base = buf.readerIndex();
                if (buf.getLong(base + FrameTemplate.SEQUENCE_OFFSET) == seq) {
                    stats.record(now - buf.getLong(base + TIMESTAMP_OFFSET));
                    replyMeter.add(1, buf.readableBytes());
                    awaiting = false;
                    seq++;
                    send();
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void checkTimeout() {
        if (awaiting && System.nanoTime() - sentAt > TIMEOUT_NANOS) {
            lost++;
            awaiting = false;
            seq++;
            send();
        } else if (stopRequested && !finished) {
            finish();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        finish();
        ctx.fireChannelInactive();
    }
}
