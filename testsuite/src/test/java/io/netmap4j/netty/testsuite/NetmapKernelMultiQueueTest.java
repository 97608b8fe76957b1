package io.netmap4j.netty.testsuite;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.kernel.KernelBackend;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapMultiQueue;
import io.netmap4j.spec.PortSpec;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.abi.NetmapConstants.POLLOUT;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link NetmapMultiQueue} on a netmap kernel: a veth with two queues, in netmap's generic mode,
 * becomes two channels, one per ring, on two event loops. Each channel sends on its own ring and
 * the peer gets every frame once; what the peer sends arrives once, in order per sending ring, on
 * whichever ring the veth steers it to (in generic mode veth records no receive queue, so that is
 * ring 0: steering is the NIC's business, not netmap's). Runs where /dev/netmap, root and ip are
 * available; skipped elsewhere, with the reason.
 */
class NetmapKernelMultiQueueTest {
    private static final int FRAMES = 50;
    private static final String A = "nm4jmq" + ProcessHandle.current().pid() % 100000 + "a";
    private static final String B = "nm4jmq" + ProcessHandle.current().pid() % 100000 + "b";

    private static EventLoopGroup group;

    @BeforeAll
    static void setUp() {
        assumeTrue(KernelBackend.INSTANCE.isAvailable(), () -> "netmap kernel module not usable here: "
                + KernelBackend.INSTANCE.unavailabilityCause().getMessage());
        assumeTrue(Shell.isRoot() && Shell.has("ip"), "needs root and ip");
        group = NetmapTestPermutation.newGroup();
    }

    @AfterAll
    static void tearDown() throws InterruptedException {
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    @AfterEach
    void deleteVeth() {
        Shell.runQuietly("ip", "link", "del", A);
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void eachRingOfATwoQueueVethGetsAChannelOfItsOwn() throws Exception {
        Shell.run("ip", "link", "add", A, "numtxqueues", "2", "numrxqueues", "2", "type", "veth", "peer", "name", B,
                "numtxqueues", "2", "numrxqueues", "2");
        Shell.run("ip", "link", "set", A, "up");
        Shell.run("ip", "link", "set", B, "up");
        Map<Channel, ConcurrentLinkedQueue<Integer>> received = new ConcurrentHashMap<>();
        Bootstrap b = new Bootstrap().group(group).channel(NetmapChannel.class)
                .option(NetmapChannelOption.BACKEND, "kernel")
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ConcurrentLinkedQueue<Integer> q = new ConcurrentLinkedQueue<>();
                        received.put(ch, q); // registered before bind: its ring is known afterwards
                        ch.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
                                int marker = marker(frame);
                                if (marker >= 0) {
                                    q.add(marker);
                                }
                            }
                        });
                    }
                });
        List<Channel> rings = NetmapMultiQueue.bind(b, NetmapAddress.of("netmap:" + A)).sync().getNow();
        try (NetmapPort peer = KernelBackend.INSTANCE.open(PortSpec.parse("netmap:" + B))) {
            assertEquals(2, rings.size());
            assertEquals("netmap:" + A + "-0", rings.get(0).localAddress().toString());
            assertEquals("netmap:" + A + "-1", rings.get(1).localAddress().toString());
            assertNotSame(rings.get(0).eventLoop(), rings.get(1).eventLoop(), "one loop per ring");
            assertEquals(1, ((NetmapChannel) rings.get(1)).port().txRingCount(), "each channel has its ring pair");

            // A -> B: each channel on its own ring
            for (int ring = 0; ring < 2; ring++) {
                for (int i = 0; i < FRAMES; i++) {
                    rings.get(ring).write(Unpooled.wrappedBuffer(frame(ring, i)));
                }
                rings.get(ring).flush();
            }
            List<Integer> atPeer = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (atPeer.size() < 2 * FRAMES && System.nanoTime() < deadline) {
                peer.poll(POLLIN, 100);
                for (int r = 0; r < peer.rxRingCount(); r++) {
                    NetmapRing rx = peer.rxRing(r);
                    for (int slot = rx.head(); slot != rx.tail(); slot = rx.next(slot)) {
                        int marker = marker(rx.region().asSlice(rx.slotBufferOffset(slot), rx.len(slot)));
                        if (marker >= 0) {
                            atPeer.add(marker);
                        }
                    }
                    rx.advance(rx.tail());
                }
            }
            assertSameFrames(atPeer, "at the peer");

            // B -> A: on both of its rings; every frame reaches one of the channels once
            for (int ring = 0; ring < 2; ring++) {
                send(peer, ring);
            }
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (received.values().stream().mapToInt(ConcurrentLinkedQueue::size).sum() < 2 * FRAMES
                    && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            List<Integer> all = new ArrayList<>();
            for (Channel ch : rings) {
                all.addAll(received.get(ch));
            }
            assertSameFrames(all, "at the channels " + received.values());
        } finally {
            for (Channel ch : rings) {
                ch.close().sync();
            }
        }
    }

    /** Every frame of both rings exactly once, and each ring's frames in the order they were sent. */
    private static void assertSameFrames(List<Integer> got, String where) {
        assertEquals(2 * FRAMES, got.size(), "frames " + where + ": " + got);
        for (int ring = 0; ring < 2; ring++) {
            int r = ring;
            List<Integer> ofRing = got.stream().filter(m -> m / 1000 == r).toList();
            assertEquals(IntStream.range(0, FRAMES).map(i -> r * 1000 + i).boxed().toList(), ofRing,
                    "frames of ring " + ring + " " + where);
        }
    }

    /** A broadcast frame of ethertype 0x88b5 carrying the ring and a sequence number. */
    private static byte[] frame(int ring, int seq) {
        byte[] frame = new byte[60];
        for (int i = 0; i < 6; i++) {
            frame[i] = (byte) 0xff;
        }
        frame[6] = 0x02;
        frame[12] = (byte) 0x88;
        frame[13] = (byte) 0xb5;
        frame[14] = (byte) ring;
        frame[15] = (byte) seq;
        return frame;
    }

    private static int marker(ByteBuf frame) {
        return frame.readableBytes() >= 16 && frame.getShort(frame.readerIndex() + 12) == (short) 0x88b5
                ? frame.getByte(frame.readerIndex() + 14) * 1000 + frame.getByte(frame.readerIndex() + 15) : -1;
    }

    private static int marker(MemorySegment frame) {
        return frame.byteSize() >= 16 && frame.get(JAVA_BYTE, 12) == (byte) 0x88 && frame.get(JAVA_BYTE, 13) == (byte) 0xb5
                ? frame.get(JAVA_BYTE, 14) * 1000 + frame.get(JAVA_BYTE, 15) : -1;
    }

    /** FRAMES frames on TX ring {@code ring} of a raw kernel port. */
    private static void send(NetmapPort port, int ring) throws Exception {
        NetmapRing tx = port.txRing(ring);
        for (int i = 0; i < FRAMES; i++) {
            while (tx.space() == 0) {
                port.poll(POLLOUT, 1000);
            }
            byte[] frame = frame(ring, i);
            int slot = tx.head();
            MemorySegment.copy(frame, 0, tx.region(), JAVA_BYTE, tx.slotBufferOffset(slot), frame.length);
            tx.len(slot, frame.length);
            tx.flags(slot, 0);
            tx.advance(tx.next(slot));
        }
        port.txSync();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (tx.space() < tx.numSlots() - 1 && System.nanoTime() < deadline) {
            port.txSync(); // wait until the generic adapter has sent them all
            Thread.sleep(5);
        }
        assertTrue(tx.space() == tx.numSlots() - 1, "frames left unsent on ring " + ring);
    }
}
