package io.netmap4j.netty.testsuite;

import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * RX_ZERO_COPY and RX_EXTRA_BUFFERS are read at bind: changing them under a bound channel fails
 * clearly and changes nothing, so frames a handler holds keep their buffers (switching to copy
 * mode used to move the ring's head over held slots, letting the sender refill them).
 */
class NetmapRxOptionsAtBindTest {
    private static EventLoopGroup group;

    @BeforeAll
    static void startGroup() {
        group = NetmapTestPermutation.newGroup();
    }

    @AfterAll
    static void stopGroup() throws InterruptedException {
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
    }

    @Test
    void zeroCopyCannotBeSwitchedOffUnderHeldFrames() throws Exception {
        String name = NetmapTestPermutation.newPipeName();
        BlockingQueue<ByteBuf> received = new LinkedBlockingQueue<>();
        NetmapChannel reader = (NetmapChannel) new Bootstrap().group(group).channel(NetmapChannel.class)
                .option(NetmapChannelOption.RX_ZERO_COPY, true)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        received.add((ByteBuf) msg);
                    }
                })
                .bind(NetmapAddress.of(name + "{1")).sync().channel();
        Channel writer = new Bootstrap().group(group).channel(NetmapChannel.class)
                .handler(new ChannelInboundHandlerAdapter()).bind(NetmapAddress.of(name + "}1")).sync().channel();
        try {
            writer.writeAndFlush(Unpooled.buffer(60).writeInt(1).writeZero(56)).sync();
            ByteBuf held = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(held);

            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> reader.config().setRxZeroCopy(false));
            assertTrue(e.getMessage().contains("RX_ZERO_COPY"), e.getMessage());
            assertThrows(IllegalStateException.class,
                    () -> reader.config().setOption(NetmapChannelOption.RX_EXTRA_BUFFERS, 8));
            assertTrue(reader.config().isRxZeroCopy());
            assertEquals(0, reader.config().getRxExtraBuffers());
            reader.config().setRxZeroCopy(true); // setting the value it has is harmless

            // A ring's worth of frames after the first: in zero-copy mode the held slot stops the
            // ring from handing the held buffer back, so its content stays.
            int n = reader.port().rxRing(0).numSlots();
            for (int i = 2; i <= n; i++) {
                writer.write(Unpooled.buffer(60).writeInt(i).writeZero(56));
            }
            writer.flush();
            for (int i = 2; i < n; i++) {
                ByteBuf b = received.poll(10, TimeUnit.SECONDS);
                assertNotNull(b, "frame " + i);
                assertEquals(i, b.getInt(0));
                b.release();
            }
            assertEquals(1, held.getInt(0), "the held frame's buffer was not refilled");
            held.release();
            ByteBuf last = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(last, "the last frame arrives once the held one is released");
            last.release();
        } finally {
            writer.close().sync();
            reader.close().sync();
        }
    }

    @Test
    void optionsCanChangeBeforeBind() {
        NetmapChannel ch = new NetmapChannel();
        ch.config().setRxZeroCopy(true).setRxExtraBuffers(4).setRxZeroCopy(false);
        assertEquals(4, ch.config().getRxExtraBuffers());
    }
}
