package io.netmap4j.tools;

import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A port end that keeps a hex copy of every frame it receives, in order: where the tools' output is read back. */
final class FrameCollector extends ChannelInboundHandlerAdapter {
    final List<String> frames = new CopyOnWriteArrayList<>();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf b = (ByteBuf) msg;
        frames.add(ByteBufUtil.hexDump(b));
        b.release();
    }

    /** Binds {@code port} on {@code group} with {@code collector} as its handler. */
    static Channel bind(EventLoopGroup group, String port, FrameCollector collector) throws InterruptedException {
        return new Bootstrap().group(group).channel(NetmapChannel.class).handler(collector)
                .bind(NetmapAddress.of(port)).sync().channel();
    }

    /** A collector on each of the ports {@code prefix + 0} .. {@code prefix + (n - 1)}; their channels are added to {@code bound}. */
    static FrameCollector[] bindEach(EventLoopGroup group, String prefix, int n, List<Channel> bound) throws InterruptedException {
        FrameCollector[] collectors = new FrameCollector[n];
        for (int k = 0; k < n; k++) {
            collectors[k] = new FrameCollector();
            bound.add(bind(group, prefix + k, collectors[k]));
        }
        return collectors;
    }

    /** Frames all of {@code collectors} received. */
    static int total(FrameCollector[] collectors) {
        int n = 0;
        for (FrameCollector c : collectors) {
            n += c.frames.size();
        }
        return n;
    }

    /** Waits up to 20 s for {@code done}, failing with {@code what}. */
    static void await(BooleanSupplier done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(10);
        }
    }
}
