package io.netmap4j.handler.forward;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.Objects;

/**
 * The end of a pipeline that sends every frame it reads out on another channel (a bridge, or the
 * allowed side of a filter), flushed per read batch, with back-pressure (see {@link FrameOutputs}).
 */
public final class ForwardHandler extends ChannelInboundHandlerAdapter {
    private final Channel target;
    private FrameOutputs outputs;

    public ForwardHandler(Channel target) {
        this.target = Objects.requireNonNull(target, "target");
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        outputs = new FrameOutputs(ctx.channel(), target);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        outputs.detach();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        outputs.write(0, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        outputs.flush();
        ctx.fireChannelReadComplete();
    }

    /** How often the source paused because the target could not keep up. */
    public long pauses() {
        return outputs == null ? 0 : outputs.pauses();
    }

    /** Frames forwarded so far. */
    public long forwarded() {
        return outputs == null ? 0 : outputs.forwarded(0);
    }
}
