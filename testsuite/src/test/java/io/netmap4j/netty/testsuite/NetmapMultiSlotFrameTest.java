package io.netmap4j.netty.testsuite;

import io.netmap4j.NetmapPorts;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.nic.NicPort;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.netmap4j.abi.NetmapConstants.NS_MOREFRAG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frames larger than one netmap buffer: sent as NS_MOREFRAG chains when TX_MOREFRAG is on, and
 * received as one message whatever the RX mode, also when a raw port publishes the chain.
 */
class NetmapMultiSlotFrameTest extends AbstractNetmapFrameTest {
    @Test
    void testLargeFramesRoundTrip(TestInfo testInfo) throws Throwable {
        run(testInfo, this::testLargeFramesRoundTrip);
    }

    void testLargeFramesRoundTrip(Bootstrap sb, Bootstrap cb) throws Throwable {
        BlockingQueue<ByteBuf> received = new LinkedBlockingQueue<>();
        sb.handler(new SimpleChannelInboundHandler<ByteBuf>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                received.add(msg.copy());
            }
        });
        cb.option(NetmapChannelOption.TX_MOREFRAG, true).handler(new ChannelInboundHandlerAdapter());
        Channel reader = NetmapTestPermutation.bind(sb);
        Channel writer = NetmapTestPermutation.bind(cb);
        try {
            int[] lengths = {3000, 9000, 60, 2048, 2049, 4096};
            if (((NetmapChannel) reader).port() instanceof NicPort nic && nic.maxReceiveFrame() < 9000) {
                System.err.println("skipped on " + nic + ": it drops frames longer than " + nic.maxReceiveFrame()
                        + " B (AF_XDP without multi-buffer frames, before Linux 6.6)");
                return;
            }
            for (int i = 0; i < lengths.length; i++) {
                writer.write(frame(writer.alloc(), i, lengths[i]));
            }
            writer.flush();
            for (int i = 0; i < lengths.length; i++) {
                ByteBuf buf = received.poll(10, TimeUnit.SECONDS);
                assertNotNull(buf, "frame " + i + " not received");
                try {
                    assertFrame(buf, i, lengths[i]);
                } finally {
                    buf.release();
                }
            }
            assertNull(received.poll(200, TimeUnit.MILLISECONDS), "each frame arrived as one message");
        } finally {
            writer.close().sync();
            reader.close().sync();
        }
    }

    @Test
    void testLargeFrameRefusedWithoutMoreFrag(TestInfo testInfo) throws Throwable {
        run(testInfo, this::testLargeFrameRefusedWithoutMoreFrag);
    }

    void testLargeFrameRefusedWithoutMoreFrag(Bootstrap sb, Bootstrap cb) throws Throwable {
        sb.handler(new ChannelInboundHandlerAdapter());
        cb.handler(new ChannelInboundHandlerAdapter());
        Channel reader = NetmapTestPermutation.bind(sb);
        Channel writer = NetmapTestPermutation.bind(cb);
        try {
            ChannelFuture f = writer.writeAndFlush(frame(writer.alloc(), 0, 3000)).await();
            assertInstanceOf(IllegalArgumentException.class, f.cause());
            assertTrue(f.cause().getMessage().contains("TX_MOREFRAG"), f.cause().getMessage());
            assertTrue(writer.isActive());
        } finally {
            writer.close().sync();
            reader.close().sync();
        }
    }

    @Test
    void testRawChainArrivesAsOneFrame(TestInfo testInfo) throws Throwable {
        run(testInfo, this::testRawChainArrivesAsOneFrame);
    }

    /** A raw port publishes a three-slot chain (2048 + 2048 + 100 bytes), then a one-slot frame. */
    void testRawChainArrivesAsOneFrame(Bootstrap sb, Bootstrap cb) throws Throwable {
        BlockingQueue<ByteBuf> received = new LinkedBlockingQueue<>();
        sb.handler(new SimpleChannelInboundHandler<ByteBuf>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                received.add(msg.copy());
            }
        });
        Channel reader = NetmapTestPermutation.bind(sb);
        String name = ((NetmapChannel) reader).localAddress().name();
        String peerName = NetmapTestPermutation.peerOf(name);
        // the reader's backend: a veth end of the user backend is opened by the user backend again
        try (NetmapPort peer = NetmapPorts.open(PortSpec.parse(peerName), ((NetmapChannel) reader).port().backend())) {
            NetmapRing tx = peer.txRing(0);
            int size = tx.bufferSize();
            byte[] data = new byte[2 * size + 100];
            fill(data, 5);
            int slot = tx.head();
            for (int k = 0; k < 3; k++) {
                int len = Math.min(size, data.length - k * size);
                tx.slotBuffer(slot).asByteBuffer().put(data, k * size, len);
                tx.len(slot, len);
                tx.flags(slot, k < 2 ? NS_MOREFRAG : 0);
                slot = tx.next(slot);
            }
            byte[] small = new byte[64];
            fill(small, 6);
            tx.slotBuffer(slot).asByteBuffer().put(small);
            tx.len(slot, small.length);
            tx.flags(slot, 0);
            tx.advance(tx.next(slot));
            peer.txSync();

            ByteBuf chain = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(chain, "the chain was not received");
            try {
                assertFrame(chain, 5, data.length);
            } finally {
                chain.release();
            }
            ByteBuf single = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(single, "the frame after the chain was not received");
            try {
                assertFrame(single, 6, 64);
            } finally {
                single.release();
            }
        } finally {
            reader.close().sync();
        }
    }
}
