package io.netmap4j.netty.handler;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.Objects;

/**
 * Forwards every frame received on the channel it is added to (the source) to another channel (the
 * target), as netmap's {@code bridge} does; add one to each side for both directions.
 *
 * <pre>{@code
 * a.pipeline().addLast(new FrameForwarder(b));
 * b.pipeline().addLast(new FrameForwarder(a));
 * }</pre>
 *
 * <p>On one event loop (what a bridge should do) each frame goes straight into a TX slot of the
 * target, by buffer index when both ports share a memory region; across loops the frames of one
 * read travel in one task and are copied once. The source stops reading while the target cannot
 * take more, so nothing is lost; see {@link FrameOutputs}, which does the writing.
 *
 * <p>Frames pass through the target's pipeline like any write: its outbound handlers see each one.
 * With {@link io.netmap4j.netty.NetmapChannelOption#RX_BATCH} on the source, a whole
 * {@link io.netmap4j.netty.NetmapRxBatch} goes through as one write (its outbound handlers see the
 * batch), the fastest way from one ring to another.
 * When nothing on the source reads the frames (only a forwarder there), set
 * {@link io.netmap4j.netty.NetmapChannelOption#RX_READ_AHEAD} off on it.
 * Not sharable: one instance per direction.
 */
public final class FrameForwarder extends ChannelInboundHandlerAdapter {
    private final Channel target;
    private FrameOutputs outputs;

    /** Forwards to {@code target}, which may be bound later but must be open when frames arrive. */
    public FrameForwarder(Channel target) {
        this.target = Objects.requireNonNull(target, "target");
    }

    /** Frames handed to the target so far (updated once per read; readable from any thread). */
    public long forwardedFrames() {
        return outputs == null ? 0 : outputs.forwardedFrames(0);
    }

    /** Bytes of the frames handed to the target so far (updated once per read; readable from any thread). */
    public long forwardedBytes() {
        return outputs == null ? 0 : outputs.forwardedBytes(0);
    }

    /** Frames released unsent because the target was closed (updated once per read). */
    public long droppedFrames() {
        return outputs == null ? 0 : outputs.droppedFrames();
    }

    /** How often the source stopped reading because the target could not keep up. */
    public long pauses() {
        return outputs == null ? 0 : outputs.pauses();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        outputs = new FrameOutputs(ctx, target);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        outputs.close();
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
}
