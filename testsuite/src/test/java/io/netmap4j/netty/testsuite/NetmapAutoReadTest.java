package io.netmap4j.netty.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * With AUTO_READ off, frames are delivered only on {@code read()}: each read hands over one frame
 * and one {@code channelReadComplete} (Netty's read semantics without auto-read), and turning
 * AUTO_READ back on delivers the rest.
 */
class NetmapAutoReadTest extends AbstractNetmapFrameTest {
    private static final int FRAMES = 40;

    @Test
    void testReadWithAutoReadOff(TestInfo testInfo) throws Throwable {
        run(testInfo, this::testReadWithAutoReadOff);
    }

    void testReadWithAutoReadOff(Bootstrap sb, Bootstrap cb) throws Throwable {
        // Events in arrival order: a frame's sequence number, or -1 for channelReadComplete.
        BlockingQueue<Integer> events = new LinkedBlockingQueue<>();
        sb.option(ChannelOption.AUTO_READ, false).handler(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                events.add(((io.netty.buffer.ByteBuf) msg).getInt(0));
                ReferenceCountUtil.release(msg);
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                events.add(-1);
            }
        });
        cb.handler(new ChannelInboundHandlerAdapter());
        Channel reader = NetmapTestPermutation.bind(sb);
        Channel writer = NetmapTestPermutation.bind(cb);
        try {
            for (int i = 0; i < FRAMES - 1; i++) {
                writer.write(frame(writer.alloc(), i, 64));
            }
            writer.writeAndFlush(frame(writer.alloc(), FRAMES - 1, 64)).sync();
            // The frames wait in the reader's ring; each read() takes exactly one.
            int half = FRAMES / 2;
            for (int i = 0; i < half; i++) {
                reader.read();
                assertEquals(i, poll(events), "frame delivered by read() #" + i);
                assertEquals(-1, poll(events), "channelReadComplete after read() #" + i);
            }
            reader.config().setAutoRead(true);
            for (int i = half; i < FRAMES; i++) {
                Integer e = poll(events);
                while (e == -1) {
                    e = poll(events);
                }
                assertEquals(i, e, "frame delivered after AUTO_READ was turned on");
            }
        } finally {
            writer.close().sync();
            reader.close().sync();
        }
    }

    private static int poll(BlockingQueue<Integer> events) throws InterruptedException {
        Integer e = events.poll(10, TimeUnit.SECONDS);
        assertNotNull(e, "no event within 10 s");
        return e;
    }
}
