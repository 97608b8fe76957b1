package io.netmap4j.tools;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The pong side: writes every frame back unchanged on the port it came from, one flush per read
 * batch. In zero-copy mode the received view itself is written, so the frame is copied once, from
 * the RX buffer into a TX slot.
 */
final class Ponger extends ChannelInboundHandlerAdapter {
    private final RateMeter meter;
    private long frames;
    private long bytes;

    Ponger(RateMeter meter) {
        this.meter = meter;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf buf) {
            frames++;
            bytes += buf.readableBytes();
        }
        ctx.write(msg, ctx.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        if (frames > 0) {
            meter.add(frames, bytes);
            frames = 0;
            bytes = 0;
        }
        ctx.fireChannelReadComplete();
    }
}
