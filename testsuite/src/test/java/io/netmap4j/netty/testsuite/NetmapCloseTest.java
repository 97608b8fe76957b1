package io.netmap4j.netty.testsuite;

import io.netmap4j.core.NetmapException;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapTxBatch;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Closing while frames flow: the receiver closes itself from inside {@code channelRead} in the
 * middle of a burst, the sender keeps writing then closes; both end closed and unmapped, pending
 * writes fail with ClosedChannelException, no buffer leaks, and the same pipe name can be bound
 * again afterwards.
 */
class NetmapCloseTest extends AbstractNetmapFrameTest {
    @Test
    void testCloseWhileTrafficFlows(TestInfo testInfo) throws Throwable {
        run(testInfo, this::testCloseWhileTrafficFlows);
    }

    void testCloseWhileTrafficFlows(Bootstrap sb, Bootstrap cb) throws Throwable {
        CountDownLatch someReceived = new CountDownLatch(1);
        sb.handler(new SimpleChannelInboundHandler<ByteBuf>() {
            private int count;

            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                if (++count == 500) {
                    someReceived.countDown();
                    ctx.close();
                }
            }
        });
        CompletableFuture<Throwable> unexpected = new CompletableFuture<>();
        cb.handler(new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                unexpected.complete(cause);
            }
        });
        NetmapChannel reader = (NetmapChannel) NetmapTestPermutation.bind(sb);
        NetmapChannel writer = (NetmapChannel) NetmapTestPermutation.bind(cb);
        // A generator that fills every free slot until its channel closes.
        int[] seq = {0};
        NetmapTxBatch generator = slots -> {
            while (slots.remaining() > 0) {
                slots.region().set(JAVA_INT_UNALIGNED, slots.bufferOffset(), seq[0]++);
                slots.commit(60);
            }
            return false;
        };
        ChannelFuture generating = writer.writeAndFlush(generator);
        assertTrue(someReceived.await(10, TimeUnit.SECONDS), "no traffic reached the receiver");
        reader.closeFuture().sync();
        // The close ran inside a read loop, so the port is unmapped when that loop ends: look from the loop.
        assertNull(reader.eventLoop().submit(reader::port).get(10, TimeUnit.SECONDS),
                "a closed channel has unmapped its port");
        assertFalse(reader.isActive());
        // Frames written after the peer left either fail or are dropped, but never hang or leak.
        for (int i = 0; i < 100; i++) {
            writer.write(frame(writer.alloc(), i, 100));
        }
        writer.flush();
        writer.close().sync();
        assertNull(writer.eventLoop().submit(writer::port).get(10, TimeUnit.SECONDS));
        assertTrue(generating.await(10, TimeUnit.SECONDS));
        assertTrue(generating.cause() instanceof ClosedChannelException || generating.cause() instanceof NetmapException,
                String.valueOf(generating.cause()));
        assertFalse(unexpected.isDone(), () -> "unexpected exception: " + unexpected.getNow(null));

        // Both names are free again.
        Channel again = NetmapTestPermutation.bind(sb.clone().handler(new ChannelInboundHandlerAdapter()));
        again.close().sync();
    }
}
