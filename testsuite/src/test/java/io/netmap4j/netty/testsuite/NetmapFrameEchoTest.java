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

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * One end sends frames of every size from 60 to 1514 bytes (twice, more than a ring holds), the
 * other echoes each back; the sender checks that every frame comes back once, in order, intact.
 */
class NetmapFrameEchoTest extends AbstractNetmapFrameTest {
    private static final int FRAMES = 2 * (MAX_FRAME - MIN_FRAME + 1);

    @Test
    void testEcho(TestInfo testInfo) throws Throwable {
        run(testInfo, this::testEcho);
    }

    void testEcho(Bootstrap sb, Bootstrap cb) throws Throwable {
        CompletableFuture<Void> done = new CompletableFuture<>();
        AtomicInteger echoed = new AtomicInteger();
        sb.handler(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                echoed.incrementAndGet();
                ctx.write(msg);
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                ctx.flush();
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                done.completeExceptionally(cause);
            }
        });
        cb.handler(new SimpleChannelInboundHandler<ByteBuf>() {
            private int next;

            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                try {
                    assertFrame(msg, next, sweepLength(next));
                } catch (Throwable t) {
                    done.completeExceptionally(t);
                }
                if (++next == FRAMES) {
                    done.complete(null);
                }
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                done.completeExceptionally(cause);
            }
        });
        Channel server = NetmapTestPermutation.bind(sb);
        Channel client = NetmapTestPermutation.bind(cb);
        try {
            for (int i = 0; i < FRAMES; i++) {
                client.write(frame(client.alloc(), i, sweepLength(i)));
                if (i % 100 == 99) {
                    client.flush();
                }
            }
            client.flush();
            assertNull(done.get(30, TimeUnit.SECONDS));
            assertEquals(FRAMES, echoed.get(), "frames the other end echoed");
        } finally {
            client.close().sync();
            server.close().sync();
        }
    }
}
