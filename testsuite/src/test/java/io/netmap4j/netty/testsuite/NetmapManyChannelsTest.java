package io.netmap4j.netty.testsuite;

import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapIoHandler;
import io.netmap4j.netty.NetmapIoHandlerConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Sixteen pipe pairs (32 channels) on one event loop, all echoing at once: the loop's single
 * poll(2) serves every port, and each pair gets all its frames back in order. Once with a loop
 * that sleeps when idle, once with a busy-polling one.
 */
class NetmapManyChannelsTest {
    private static final int PAIRS = 16;
    private static final int FRAMES = 300;
    private static EventLoopGroup loop;
    private static EventLoopGroup busyLoop;

    @BeforeAll
    static void startLoops() {
        loop = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory());
        busyLoop = new MultiThreadIoEventLoopGroup(1,
                NetmapIoHandler.newFactory(new NetmapIoHandlerConfig().setBusyPoll(true)));
    }

    @AfterAll
    static void stopLoops() throws InterruptedException {
        loop.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        busyLoop.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
    }

    @Test
    void testManyPairsOnOneLoop() throws Exception {
        echoOnOneLoop(loop);
    }

    /** The same with a busy-polling loop, which never sleeps in poll(2). */
    @Test
    void testManyPairsOnOneBusyLoop() throws Exception {
        echoOnOneLoop(busyLoop);
    }

    private static void echoOnOneLoop(EventLoopGroup loop) throws Exception {
        List<Channel> channels = new ArrayList<>();
        List<CompletableFuture<Integer>> results = new ArrayList<>();
        try {
            for (int p = 0; p < PAIRS; p++) {
                String name = NetmapTestPermutation.newPipeName();
                channels.add(new Bootstrap().group(loop).channel(NetmapChannel.class).handler(new Echo())
                        .bind(NetmapAddress.of(name + "{1")).sync().channel());
                CompletableFuture<Integer> result = new CompletableFuture<>();
                results.add(result);
                Channel client = new Bootstrap().group(loop).channel(NetmapChannel.class).handler(new Checker(result))
                        .bind(NetmapAddress.of(name + "}1")).sync().channel();
                channels.add(client);
            }
            for (int p = 0; p < PAIRS; p++) {
                Channel client = channels.get(2 * p + 1);
                for (int i = 0; i < FRAMES; i++) {
                    client.write(AbstractNetmapFrameTest.frame(client.alloc(), i, 60 + (i + p) % 200));
                }
                client.flush();
            }
            for (CompletableFuture<Integer> r : results) {
                assertEquals(FRAMES, r.get(30, TimeUnit.SECONDS));
            }
        } finally {
            for (Channel ch : channels) {
                ch.close().sync();
            }
        }
    }

    private static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }
    }

    private static final class Checker extends SimpleChannelInboundHandler<ByteBuf> {
        private final CompletableFuture<Integer> result;
        private int next;

        Checker(CompletableFuture<Integer> result) {
            this.result = result;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
            if (msg.getInt(0) != next) {
                result.completeExceptionally(new AssertionError("frame " + msg.getInt(0) + " arrived, expected " + next));
            } else if (++next == FRAMES) {
                result.complete(next);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            result.completeExceptionally(cause);
        }
    }
}
