package io.netmap4j.netty.testsuite;

import io.netmap4j.NetmapPorts;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapIoHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Zero-copy frames released on another thread while their event loop shuts down (and closes the
 * channel in its destroy step): whatever the interleaving, the port is unmapped exactly when the
 * last frame is released, never left mapped. A stress test: each round races the releases with
 * the shutdown, so a broken hand-over shows up as a port still open at the end of some round.
 */
class NetmapLateReleaseTest {
    private static final int ROUNDS = 20;
    private static final int FRAMES = 16;

    @Test
    void lateReleasesUnmapThePortOnce() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            oneRound(round);
        }
    }

    private static void oneRound(int round) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory());
        String name = NetmapTestPermutation.newPipeName();
        List<ByteBuf> kept = new CopyOnWriteArrayList<>();
        CountDownLatch all = new CountDownLatch(FRAMES);
        NetmapChannel reader = (NetmapChannel) new Bootstrap().group(group).channel(NetmapChannel.class)
                .option(NetmapChannelOption.RX_ZERO_COPY, true)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        kept.add((ByteBuf) msg);
                        all.countDown();
                    }
                })
                .bind(NetmapAddress.of(name + "{1")).sync().channel();
        NetmapPort port = reader.port();
        Thread releaser;
        try (NetmapPort peer = NetmapPorts.open(name + "}1")) {
            NetmapRing tx = peer.txRing(0);
            int slot = tx.head();
            for (int i = 0; i < FRAMES; i++) {
                tx.len(slot, 60);
                tx.flags(slot, 0);
                slot = tx.next(slot);
            }
            tx.advance(slot);
            peer.txSync();
            assertTrue(all.await(10, TimeUnit.SECONDS), "frames not received");

            CountDownLatch go = new CountDownLatch(1);
            releaser = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                for (ByteBuf b : kept) {
                    b.release();
                }
            });
            releaser.start();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            go.countDown(); // the releases run while the loop shuts down and closes the channel
            assertTrue(group.awaitTermination(10, TimeUnit.SECONDS));
            releaser.join(10_000);
            assertFalse(releaser.isAlive());
        }
        for (ByteBuf b : kept) {
            assertEquals(0, b.refCnt(), "round " + round + ": a frame is still referenced");
        }
        assertFalse(port.isOpen(), "round " + round + ": the port stayed mapped after its last frame was released");
        assertEquals(null, reader.port(), "round " + round);
    }
}
