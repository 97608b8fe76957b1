package io.netmap4j.netty.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.SimpleChannelInboundHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.nio.channels.NotYetConnectedException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Writes that cannot be sent fail their own promise, release their buffer, and leave the channel
 * working: a message of the wrong type, a frame larger than a netmap buffer, a write before bind,
 * a write cancelled before its flush. Sent buffers are released once written.
 */
class NetmapWriteFailureTest extends AbstractNetmapFrameTest {
    @Test
    void testBadWritesFailAlone(TestInfo testInfo) throws Throwable {
        run(testInfo, this::testBadWritesFailAlone);
    }

    void testBadWritesFailAlone(Bootstrap sb, Bootstrap cb) throws Throwable {
        BlockingQueue<Integer> received = new LinkedBlockingQueue<>();
        sb.handler(new SimpleChannelInboundHandler<ByteBuf>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                received.add(msg.getInt(0));
            }
        });
        cb.handler(new ChannelInboundHandlerAdapter());
        Channel reader = NetmapTestPermutation.bind(sb);
        Channel writer = NetmapTestPermutation.bind(cb);
        try {
            ByteBuf good0 = frame(writer.alloc(), 0, 60);
            ChannelFuture wrongType = writer.write("not a frame");
            ByteBuf tooLarge = writer.alloc().buffer(64 * 1024).writeZero(64 * 1024);
            ChannelFuture large = writer.write(tooLarge);
            ByteBuf cancelledBuf = frame(writer.alloc(), 99, 60);
            ChannelPromise cancelPromise = writer.newPromise();
            writer.write(cancelledBuf, cancelPromise);
            assertTrue(cancelPromise.cancel(false));
            ChannelFuture first = writer.write(good0);
            ByteBuf good1 = frame(writer.alloc(), 1, MAX_FRAME);
            ChannelFuture second = writer.writeAndFlush(good1);

            assertInstanceOf(UnsupportedOperationException.class, wrongType.await().cause());
            assertTrue(wrongType.cause().getMessage().contains("java.lang.String"), wrongType.cause().getMessage());
            assertInstanceOf(IllegalArgumentException.class, large.await().cause());
            assertTrue(large.cause().getMessage().contains("65536"), large.cause().getMessage());
            assertEquals(0, tooLarge.refCnt(), "a refused frame is released");
            assertTrue(cancelPromise.await().isCancelled());
            assertTrue(first.sync().isSuccess());
            assertTrue(second.sync().isSuccess());
            assertEquals(0, good0.refCnt(), "a sent frame is released");
            assertEquals(0, good1.refCnt(), "a sent frame is released");
            assertEquals(0, cancelledBuf.refCnt(), "a cancelled frame is released");

            assertEquals(0, pollFrame(received));
            assertEquals(1, pollFrame(received));
            assertTrue(writer.isActive(), "the failures did not close the channel");
            assertNull(received.poll(), "only the two good frames arrive");
        } finally {
            writer.close().sync();
            reader.close().sync();
        }
    }

    @Test
    void testWriteBeforeBind(TestInfo testInfo) throws Throwable {
        run(testInfo, this::testWriteBeforeBind);
    }

    void testWriteBeforeBind(Bootstrap sb, Bootstrap cb) throws Throwable {
        Channel ch = cb.handler(new ChannelInboundHandlerAdapter()).register().sync().channel();
        try {
            ByteBuf buf = frame(ch.alloc(), 0, 60);
            ChannelFuture f = ch.writeAndFlush(buf).await();
            assertInstanceOf(NotYetConnectedException.class, f.cause());
            assertEquals(0, buf.refCnt());
            assertTrue(ch.isOpen());
        } finally {
            ch.close().sync();
        }
    }

    private static int pollFrame(BlockingQueue<Integer> received) throws InterruptedException {
        Integer seq = received.poll(10, TimeUnit.SECONDS);
        assertNotNull(seq, "frame not received within 10 s");
        return seq;
    }
}
