package io.netmap4j.tools;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The receiving side: counts frames and checks their sequence numbers. A number above the
 * expected one counts the skipped ones as lost; a number below it (late, or repeated) counts as
 * out of order. Frames without this tool's signature (from another generator, or too short to
 * carry one) are counted as foreign and their bytes are not read as sequence numbers. Counters are kept in plain fields on the event loop and published once per read
 * batch, in {@code channelReadComplete}.
 */
final class RxChecker extends ChannelInboundHandlerAdapter {
    private final RateMeter meter;
    private final long limit;

    private long expected;
    private long batchFrames;
    private long batchBytes;
    private long lostCount;
    private long lateCount;
    private long foreignCount;
    private volatile long lost;
    private volatile long outOfOrder;
    private volatile long foreign;
    private volatile boolean finished;
    private volatile boolean countReached;

    /** @param limit frames after which to close the channel, 0 for no limit */
    RxChecker(RateMeter meter, long limit) {
        this.meter = meter;
        this.limit = limit;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            ctx.fireExceptionCaught(new IllegalStateException("expected a ByteBuf frame, got " + msg.getClass().getName()));
            return;
        }
        int length = buf.readableBytes();
        int base = buf.readerIndex();
        if (length < FrameTemplate.MIN_SIZE || buf.getInt(base + FrameTemplate.SIGNATURE_OFFSET) != FrameTemplate.SIGNATURE) {
            foreignCount++;
        } else {
            long seq = buf.getLong(base + FrameTemplate.SEQUENCE_OFFSET);
            if (seq == expected) {
                expected++;
            } else if (seq > expected) {
                lostCount += seq - expected;
                expected = seq + 1;
            } else {
                lateCount++;
            }
        }
        buf.release();
        batchFrames++;
        batchBytes += length;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        publish();
        if (limit > 0 && meter.frames() >= limit && !finished) {
            finished = true;
            countReached = true;
            ctx.close();
        }
        ctx.fireChannelReadComplete();
    }

    private void publish() {
        if (batchFrames > 0) {
            meter.add(batchFrames, batchBytes);
            batchFrames = 0;
            batchBytes = 0;
        }
        lost = lostCount;
        outOfOrder = lateCount;
        foreign = foreignCount;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        publish();
        finished = true;
        ctx.fireChannelInactive();
    }

    /** Frames skipped by the sequence numbers seen so far. */
    long lost() {
        return lost;
    }

    long outOfOrder() {
        return outOfOrder;
    }

    /** Frames that are not this tool's (no signature), counted but not checked. */
    long foreign() {
        return foreign;
    }

    /** The limit was reached (and the checker closed its channel for that reason). */
    boolean countReached() {
        return countReached;
    }

    /** The limit was reached or the channel closed. */
    boolean isFinished() {
        return finished;
    }
}
