package io.netmap4j.handler.lb;

import io.netmap4j.handler.frame.FrameView;
import io.netmap4j.netty.NetmapRxBatch;
import io.netmap4j.netty.handler.FrameOutputs;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

import java.util.Objects;

/**
 * Spreads the frames read on its channel over N output channels, as netmap's lb spreads a NIC over
 * pipes: IP frames by a {@link SymmetricFlowHash symmetric 5-tuple hash}, so both directions of a
 * flow reach the same output; fragments (which lack ports after the first), non-IP and malformed
 * frames go to a default output. Writes go through the transport's {@link FrameOutputs} (per-read
 * flushes, back-pressure, nothing lost). For netmap's zero-copy fan-out, bind the input and the
 * outputs as pipes of one parent on one event loop: frames then move by buffer index; with
 * {@link io.netmap4j.netty.NetmapChannelOption#RX_BATCH} on the input, each {@link NetmapRxBatch}
 * is tagged frame by frame and each output gets its share in one write. Nothing is allocated per
 * frame.
 */
public final class LoadBalancerHandler extends ChannelInboundHandlerAdapter {
    private final Channel[] targets;
    private final int defaultOutput;
    private final FrameView view = new FrameView();
    private FrameOutputs outputs;
    private final long[] frames;
    private long unhashed;
    /** Bumped once per read batch; reading it first makes the counts written before it visible. */
    private volatile int epoch;
    private volatile long unhashedPublished;

    /**
     * @param outputs       the output channels, on the input channel's event loop for zero-copy
     * @param defaultOutput where fragments, non-IP and malformed frames go
     */
    public LoadBalancerHandler(Channel[] outputs, int defaultOutput) {
        Objects.requireNonNull(outputs, "outputs");
        if (outputs.length == 0) {
            throw new IllegalArgumentException("a load balancer needs at least one output");
        }
        if (defaultOutput < 0 || defaultOutput >= outputs.length) {
            throw new IllegalArgumentException("default output " + defaultOutput + " is not one of the " + outputs.length
                    + " outputs (0.." + (outputs.length - 1) + ")");
        }
        this.targets = outputs.clone();
        this.defaultOutput = defaultOutput;
        this.frames = new long[outputs.length];
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        outputs = new FrameOutputs(ctx, targets);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        outputs.close();
    }

    /** The output a frame goes to; {@code view} must wrap it. */
    public int outputFor(FrameView f) {
        if (f.isValid() && (f.isIpv4() || f.isIpv6()) && !f.isFragment()) {
            return SymmetricFlowHash.bucket(SymmetricFlowHash.hash(f), targets.length);
        }
        return -1;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof NetmapRxBatch batch) {
            // RX_BATCH: each frame is tagged with its output, then each output takes its share in one write.
            for (int i = 0; i < batch.size(); i++) {
                if (batch.isPresent(i)) {
                    int out = outputFor(view.wrap(batch.frame(i)));
                    if (out < 0) {
                        out = defaultOutput;
                        unhashed++;
                    }
                    frames[out]++;
                    batch.tag(i, out);
                }
            }
            for (int k = 0; k < targets.length; k++) {
                outputs.write(k, batch.tagged(k));
            }
            return;
        }
        ByteBuf frame = msg instanceof ByteBuf b ? b : msg instanceof ByteBufHolder h ? h.content() : null;
        int out = frame == null ? -1 : outputFor(view.wrap(frame));
        if (out < 0) {
            out = defaultOutput;
            unhashed++;
        }
        frames[out]++;
        outputs.write(out, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        outputs.flush();
        unhashedPublished = unhashed;
        epoch++;
        ctx.fireChannelReadComplete();
    }

    /** Frames sent to each output so far (as of the last read batch). */
    public long[] framesPerOutput() {
        int seen = epoch;
        assert seen >= 0 || seen < 0;
        return frames.clone();
    }

    /** Frames that went to the default output because they were fragments, non-IP or malformed. */
    public long unhashedFrames() {
        return unhashedPublished;
    }

    /** How often the input paused because an output could not keep up. */
    public long pauses() {
        return outputs == null ? 0 : outputs.pauses();
    }
}
