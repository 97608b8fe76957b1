package io.netmap4j.handler.filter;

import io.netmap4j.handler.frame.FrameView;
import io.netmap4j.netty.NetmapRxBatch;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.util.Objects;

/**
 * A firewall stage: each frame is matched against a {@link RuleTable} (first match wins); allowed
 * frames go on down the pipeline, denied ones are released, and every rule counts its frames and
 * bytes ({@link #counters()}). Frames {@link FrameView} finds malformed get the table's malformed
 * action and are counted apart. Nothing is allocated per frame. Messages that are not frames
 * ({@link ByteBuf} or {@link ByteBufHolder}) pass untouched. With
 * {@link io.netmap4j.netty.NetmapChannelOption#RX_BATCH} on, denied frames are dropped from each
 * {@link NetmapRxBatch} and the batch goes on. One handler per channel; the table may be shared.
 */
public final class FilterHandler extends ChannelInboundHandlerAdapter {
    private final RuleTable table;
    private final RuleCounters counters;
    private final FrameView view = new FrameView();
    private long allowed;
    private long denied;
    private volatile long allowedPublished;
    private volatile long deniedPublished;

    public FilterHandler(RuleTable table) {
        this.table = Objects.requireNonNull(table, "table");
        this.counters = table.newCounters();
    }

    public RuleTable table() {
        return table;
    }

    /** Per-rule counters (take a {@link RuleCounters#snapshot()} to read them from another thread). */
    public RuleCounters counters() {
        return counters;
    }

    /** Frames passed on so far (published once per read batch). */
    public long allowed() {
        return allowedPublished;
    }

    /** Frames dropped so far (published once per read batch). */
    public long denied() {
        return deniedPublished;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof NetmapRxBatch batch) {
            // RX_BATCH: denied frames leave the batch; the batch goes on with the others.
            for (int i = 0; i < batch.size(); i++) {
                if (batch.isPresent(i) && !allows(batch.frame(i))) {
                    batch.drop(i);
                }
            }
            ctx.fireChannelRead(batch);
            return;
        }
        ByteBuf frame = msg instanceof ByteBuf b ? b : msg instanceof ByteBufHolder h ? h.content() : null;
        if (frame == null) {
            ctx.fireChannelRead(msg);
        } else if (allows(frame)) {
            ctx.fireChannelRead(msg);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Matches {@code frame}, counts it, and says whether it goes on. */
    private boolean allows(ByteBuf frame) {
        RuleAction action;
        if (view.wrap(frame).isValid()) {
            action = table.action(table.match(view, counters));
        } else {
            counters.malformedFrames++;
            action = table.malformedAction();
        }
        if (action == RuleAction.ALLOW) {
            allowed++;
            return true;
        }
        denied++;
        return false;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        allowedPublished = allowed;
        deniedPublished = denied;
        counters.publish();
        ctx.fireChannelReadComplete();
    }
}
