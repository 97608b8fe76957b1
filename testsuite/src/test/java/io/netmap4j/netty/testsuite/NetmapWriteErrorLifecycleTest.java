package io.netmap4j.netty.testsuite;

import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.AbstractChannel;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.IllegalReferenceCountException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A write that fails for a reason other than an I/O error fails alone and leaves the channel fully
 * working; and when Netty does shut the output down, the channel closes completely (close future,
 * channelInactive, port unmapped) instead of being left with an unmapped port but still registered.
 */
class NetmapWriteErrorLifecycleTest {
    private static EventLoopGroup group;

    @BeforeAll
    static void startGroup() {
        group = NetmapTestPermutation.newGroup();
    }

    @AfterAll
    static void stopGroup() throws InterruptedException {
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
    }

    private static final class Inactive extends ChannelInboundHandlerAdapter {
        final CountDownLatch latch = new CountDownLatch(1);

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            latch.countDown();
        }
    }

    private static Channel bind(String name, ChannelInboundHandlerAdapter handler) throws InterruptedException {
        return new Bootstrap().group(group).channel(NetmapChannel.class).handler(handler)
                .bind(NetmapAddress.of(name)).sync().channel();
    }

    private static ByteBuf frame(int seq) {
        return Unpooled.directBuffer(60).writeInt(seq).writeZero(56);
    }

    @Test
    void aReleasedBufferFailsOnlyItsOwnWrite() throws Exception {
        String name = NetmapTestPermutation.newPipeName();
        BlockingQueue<Integer> received = new LinkedBlockingQueue<>();
        Channel reader = bind(name + "}1", new SimpleChannelInboundHandler<ByteBuf>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                received.add(msg.getInt(0));
            }
        });
        Inactive inactive = new Inactive();
        Channel writer = bind(name + "{1", inactive);
        try {
            ByteBuf buf = frame(1);
            writer.write(buf);
            ChannelFuture second = writer.writeAndFlush(buf).await(); // released by the first write
            assertInstanceOf(IllegalReferenceCountException.class, second.cause());
            assertEquals(1, received.poll(10, TimeUnit.SECONDS));

            assertTrue(writer.isActive(), "a bad message does not close the channel");
            assertNotNull(((NetmapChannel) writer).port(), "the port is still mapped");
            assertFalse(writer.closeFuture().isDone());
            assertTrue(writer.writeAndFlush(frame(3)).await(10, TimeUnit.SECONDS));
            assertEquals(3, received.poll(10, TimeUnit.SECONDS), "the channel still sends");
            assertNull(received.poll(), "the failed write sent nothing");

            writer.close().sync();
            assertTrue(inactive.latch.await(10, TimeUnit.SECONDS), "channelInactive fires on close");
            writer.eventLoop().submit(() -> { }).sync(); // deregistration is a later task on the loop
            assertFalse(writer.isRegistered());
        } finally {
            writer.close().sync();
            reader.close().sync();
        }
    }

    @Test
    void writingToAReceiveOnlyPortFailsClearly() throws Exception {
        String name = NetmapTestPermutation.newPipeName();
        Channel other = bind(name + "}1", new ChannelInboundHandlerAdapter());
        Channel rxOnly = bind(name + "{1/R", new ChannelInboundHandlerAdapter());
        try {
            ByteBuf buf = frame(0);
            ChannelFuture f = rxOnly.writeAndFlush(buf).await();
            assertInstanceOf(IllegalStateException.class, f.cause());
            assertTrue(f.cause().getMessage().contains("no TX ring"), f.cause().getMessage());
            assertEquals(0, buf.refCnt(), "the refused frame is released");
            assertTrue(rxOnly.isActive(), "the receive-only port keeps receiving");
            assertNotNull(((NetmapChannel) rxOnly).port());
        } finally {
            rxOnly.close().sync();
            other.close().sync();
        }
    }

    @Test
    void shuttingTheOutputDownClosesTheWholeChannel() throws Exception {
        String name = NetmapTestPermutation.newPipeName();
        Channel other = bind(name + "}1", new ChannelInboundHandlerAdapter());
        Inactive inactive = new Inactive();
        Channel ch = bind(name + "{1", inactive);
        try {
            ChannelPromise promise = ch.newPromise();
            // What Netty does after a write fails with anything but an IOException (or with one when
            // AUTO_CLOSE is off), on Netty's own AbstractUnsafe of the channel (unsafe() returns the
            // direct-write front, which has no shutdownOutput); neither is accessible from here.
            Field unsafeField = AbstractChannel.class.getDeclaredField("unsafe");
            unsafeField.setAccessible(true);
            Object nettyUnsafe = unsafeField.get(ch);
            Method shutdown = Class.forName("io.netty.channel.AbstractChannel$AbstractUnsafe")
                    .getMethod("shutdownOutput", ChannelPromise.class);
            shutdown.setAccessible(true);
            ch.eventLoop().submit(() -> shutdown.invoke(nettyUnsafe, promise)).sync();
            promise.await(10, TimeUnit.SECONDS);
            assertTrue(ch.closeFuture().await(10, TimeUnit.SECONDS), "the close future completes");
            assertTrue(inactive.latch.await(10, TimeUnit.SECONDS), "channelInactive fires");
            assertFalse(ch.isOpen());
            assertNull(((NetmapChannel) ch).port(), "the port is unmapped");
            ch.eventLoop().submit(() -> { }).sync();
            assertFalse(ch.isRegistered(), "the channel left its event loop");
        } finally {
            ch.close().sync();
            other.close().sync();
        }
    }
}
