package io.netmap4j.netty.testsuite;

import io.netmap4j.NetmapPorts;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.netmap4j.abi.NetmapConstants.NS_BUF_CHANGED;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;

/**
 * A peer that publishes the same netmap buffer twice (it may: the region is shared and the peer
 * is not trusted) must not make the zero-copy channel hand out one ByteBuf as two live frames:
 * the second arrives as a copy, the first keeps its reference count and content.
 *
 * <p>On a netmap kernel the module finds the duplicate only when it frees the rings at the last
 * close: it prints "double free on buffer N" (N is 2 in a fresh module) and keeps out of its pool
 * the buffer the peer dropped. That kernel message in the guest's console is this test's.
 */
class NetmapRxBufferReuseTest {
    /** ByteBuf.getInt reads big-endian. */
    private static final ValueLayout.OfInt BIG_ENDIAN_INT = JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
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
    void aBufferPublishedTwiceIsNotReusedWhileHeld() throws Exception {
        String name = NetmapTestPermutation.newPipeName();
        BlockingQueue<ByteBuf> received = new LinkedBlockingQueue<>();
        NetmapChannel reader = (NetmapChannel) new Bootstrap().group(group).channel(NetmapChannel.class)
                .option(NetmapChannelOption.RX_ZERO_COPY, true)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        received.add((ByteBuf) msg); // kept: still referenced when the next frame comes
                    }
                })
                .bind(NetmapAddress.of(name + "{1")).sync().channel();
        try (NetmapPort peer = NetmapPorts.open(name + "}1")) {
            NetmapRing tx = peer.txRing(0);
            int first = tx.head();
            int second = tx.next(first);
            int bufIdx = tx.bufIdx(first);
            peer.region().set(BIG_ENDIAN_INT, tx.bufferOffset(bufIdx), 0xA1B2C3D4);
            tx.len(first, 60);
            tx.flags(first, 0);
            tx.bufIdx(second, bufIdx); // the same buffer again
            tx.len(second, 60);
            tx.flags(second, NS_BUF_CHANGED);
            tx.advance(tx.next(second));
            peer.txSync();

            ByteBuf a = received.poll(10, TimeUnit.SECONDS);
            ByteBuf b = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(a, "first frame not received");
            assertNotNull(b, "second frame not received");
            assertNotSame(a, b, "one ByteBuf delivered as two live frames");
            assertEquals(1, a.refCnt(), "the first frame's count was not touched");
            assertEquals(1, b.refCnt());
            assertEquals(0xA1B2C3D4, b.getInt(0));
            b.release();
            assertEquals(1, a.refCnt(), "releasing the second frame left the first alone");
            assertEquals(0xA1B2C3D4, a.getInt(0));
            assertEquals(60, a.readableBytes());
            assertEquals(1L, reader.eventLoop().submit(reader::rxCopiedFrames).get(10, TimeUnit.SECONDS));
            a.release();

            // The ring still moves: a frame in a fresh buffer arrives as a zero-copy view.
            int third = tx.head();
            peer.region().set(BIG_ENDIAN_INT, tx.slotBufferOffset(third), 0x01020304);
            tx.len(third, 60);
            tx.flags(third, 0);
            tx.advance(tx.next(third));
            peer.txSync();
            ByteBuf c = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(c, "third frame not received");
            assertEquals(0x01020304, c.getInt(0));
            c.release();
        } finally {
            reader.close().sync();
        }
    }
}
