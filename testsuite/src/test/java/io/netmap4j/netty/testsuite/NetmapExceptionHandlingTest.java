package io.netmap4j.netty.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A handler that throws from {@code channelRead} gets the exception in {@code exceptionCaught};
 * the channel stays open, the frame is still released, and later frames keep arriving.
 */
class NetmapExceptionHandlingTest extends AbstractNetmapFrameTest {
    private static final int FRAMES = 20;

    @Test
    void testReadHandlerThrows(TestInfo testInfo) throws Throwable {
        run(testInfo, this::testReadHandlerThrows);
    }

    void testReadHandlerThrows(Bootstrap sb, Bootstrap cb) throws Throwable {
        AtomicInteger caught = new AtomicInteger();
        CompletableFuture<Integer> lastSeen = new CompletableFuture<>();
        sb.handler(new SimpleChannelInboundHandler<ByteBuf>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                int seq = msg.getInt(0);
                if (seq == FRAMES - 1) {
                    lastSeen.complete(caught.get());
                }
                if (seq % 2 == 0) {
                    throw new IllegalStateException("test exception for frame " + seq);
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                if (cause instanceof IllegalStateException && cause.getMessage().startsWith("test exception")) {
                    caught.incrementAndGet();
                } else {
                    lastSeen.completeExceptionally(cause);
                }
            }
        });
        cb.handler(new ChannelInboundHandlerAdapter());
        Channel reader = NetmapTestPermutation.bind(sb);
        Channel writer = NetmapTestPermutation.bind(cb);
        try {
            for (int i = 0; i < FRAMES - 1; i++) {
                writer.write(frame(writer.alloc(), i, 200));
            }
            writer.writeAndFlush(frame(writer.alloc(), FRAMES - 1, 200)).sync();
            assertEquals(FRAMES / 2, lastSeen.get(10, TimeUnit.SECONDS), "exceptions seen before the last frame");
            assertTrue(reader.isActive(), "handler exceptions do not close the channel");
        } finally {
            writer.close().sync();
            reader.close().sync();
        }
    }
}
