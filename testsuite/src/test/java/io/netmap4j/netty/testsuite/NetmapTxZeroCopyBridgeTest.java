package io.netmap4j.netty.testsuite;

import io.netmap4j.core.NetmapRing;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bridge over two pipes of one parent: A ({@code x{1}) sends numbered frames to B
 * ({@code x}1}), whose handler writes every received zero-copy frame to C ({@code x{2}), and D
 * ({@code x}2}) receives. With B and C on one event loop the frames move by buffer index (C copies
 * nothing, and D gets the very buffers B received); with B and C on different loops they are copied.
 */
class NetmapTxZeroCopyBridgeTest {
    private static final int FRAMES = 2000;
    private static final int LENGTH = 96;
    private static EventLoopGroup group;
    private static EventLoop first;
    private static EventLoop second;

    @BeforeAll
    static void startGroup() {
        group = NetmapTestPermutation.newGroup();
        EventLoop[] loops = NetmapTestPermutation.twoLoops(group);
        first = loops[0];
        second = loops[1];
    }

    @AfterAll
    static void stopGroup() throws InterruptedException {
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
    }

    @Test
    void oneLoopBridgeMovesBuffersInsteadOfCopying() throws Exception {
        Result r = bridge(first, first);
        assertEquals(FRAMES, r.cZeroCopy, "every forwarded frame moves by index");
        int same = 0;
        for (int i = 0; i < FRAMES; i++) {
            if (r.bufIdxAtB[i] == r.bufIdxAtD[i]) {
                same++;
            }
        }
        assertTrue(same > 0, "D never saw a buffer B received");
        assertEquals(FRAMES, same, "a frame moved by index arrives in the buffer it left in");
    }

    @Test
    void bridgeAcrossLoopsCopies() throws Exception {
        Result r = bridge(first, second);
        assertEquals(0, r.cZeroCopy, "a frame of a channel on another loop must be copied");
    }

    /**
     * Forwarding with real promises, every seventh cancelled before the flush: a cancelled frame
     * that had already moved into a TX slot by index gives the slot its buffer back and returns to
     * B's ring; the others arrive in order, all moved by index, and B's ring keeps going.
     */
    @Test
    void cancelledForwardsGiveTheirBuffersBack() throws Exception {
        Result r = bridge(first, first, 7);
        assertEquals(FRAMES - (FRAMES + 3) / 7, r.received);
        assertTrue(r.cZeroCopy >= r.received, "frames moved by index: " + r.cZeroCopy);
        for (int i = 0; i < FRAMES; i++) {
            if (!cancelled(i, 7)) {
                assertEquals(r.bufIdxAtB[i], r.bufIdxAtD[i], "frame " + i + " arrives in the buffer it left in");
            }
        }
    }

    private record Result(long cZeroCopy, int[] bufIdxAtB, int[] bufIdxAtD, int received) {
    }

    private static Result bridge(EventLoop bLoop, EventLoop cLoop) throws Exception {
        return bridge(bLoop, cLoop, 0);
    }

    private static boolean cancelled(int seq, int cancelEvery) {
        return cancelEvery > 0 && seq % cancelEvery == 3;
    }

    /**
     * Runs FRAMES frames through A -> B -> C -> D, B on {@code bLoop} and C on {@code cLoop}; with
     * {@code cancelEvery > 0} B writes with real promises and cancels one in {@code cancelEvery}.
     */
    private static Result bridge(EventLoop bLoop, EventLoop cLoop, int cancelEvery) throws Exception {
        String name = NetmapTestPermutation.newPipeName();
        int[] atB = new int[FRAMES];
        int[] atD = new int[FRAMES];
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        int expectedAtD = 0;
        for (int i = 0; i < FRAMES; i++) {
            expectedAtD += cancelled(i, cancelEvery) ? 0 : 1;
        }
        CountDownLatch done = new CountDownLatch(expectedAtD);
        int[] nextAtD = {0};
        int[] nextAtB = {0};

        NetmapChannel d = (NetmapChannel) new Bootstrap().group(second).channel(NetmapChannel.class)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf frame = (ByteBuf) msg;
                        try {
                            while (cancelled(nextAtD[0], cancelEvery)) {
                                nextAtD[0]++;
                            }
                            int expected = nextAtD[0]++;
                            String bad = check(frame, expected);
                            if (bad != null) {
                                errors.add("D: " + bad);
                            } else {
                                atD[expected] = lastDeliveredBufIdx((NetmapChannel) ctx.channel());
                            }
                        } finally {
                            frame.release();
                            done.countDown();
                        }
                    }
                })
                .bind(NetmapAddress.of(name + "}2")).sync().channel();
        NetmapChannel c = (NetmapChannel) new Bootstrap().group(cLoop).channel(NetmapChannel.class)
                .handler(new ChannelInboundHandlerAdapter())
                .bind(NetmapAddress.of(name + "{2")).sync().channel();
        NetmapChannel b = (NetmapChannel) new Bootstrap().group(bLoop).channel(NetmapChannel.class)
                .option(NetmapChannelOption.RX_ZERO_COPY, true)
                .option(NetmapChannelOption.RX_EXTRA_BUFFERS, 32)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        int seq = nextAtB[0]++;
                        if (seq < FRAMES) {
                            atB[seq] = lastDeliveredBufIdx((NetmapChannel) ctx.channel());
                        }
                        if (cancelEvery == 0) {
                            c.write(msg, c.voidPromise());
                        } else {
                            ChannelPromise p = c.newPromise();
                            c.write(msg, p);
                            if (cancelled(seq, cancelEvery) && !p.cancel(false)) {
                                errors.add("B: the write of frame " + seq + " could not be cancelled before its flush");
                            }
                        }
                    }

                    @Override
                    public void channelReadComplete(ChannelHandlerContext ctx) {
                        c.flush();
                    }
                })
                .bind(NetmapAddress.of(name + "}1")).sync().channel();
        NetmapChannel a = (NetmapChannel) new Bootstrap().group(second).channel(NetmapChannel.class)
                .handler(new ChannelInboundHandlerAdapter())
                .bind(NetmapAddress.of(name + "{1")).sync().channel();
        try {
            for (int i = 0; i < FRAMES; i++) {
                ByteBuf frame = a.alloc().directBuffer(LENGTH);
                for (int k = 0; k < LENGTH; k += 4) {
                    frame.writeInt(k == 0 ? i : i * 31 + k);
                }
                a.write(frame);
                if (i % 16 == 15) {
                    a.flush();
                }
            }
            a.flush();
            assertTrue(done.await(30, TimeUnit.SECONDS), "D received " + (expectedAtD - done.getCount()) + " of " + expectedAtD);
            assertEquals(List.of(), List.copyOf(errors));
            long zeroCopy = c.eventLoop().submit(c::txZeroCopyFrames).get(10, TimeUnit.SECONDS);
            assertTrue(second.submit(() -> nextAtD[0]).get(10, TimeUnit.SECONDS) <= FRAMES, "D received more than was sent");
            return new Result(zeroCopy, atB, atD, expectedAtD);
        } finally {
            a.close().sync();
            b.close().sync();
            c.close().sync();
            d.close().sync();
        }
    }

    /** What is wrong with a received frame, or null when it is frame {@code seq} intact. */
    private static String check(ByteBuf frame, int seq) {
        if (frame.readableBytes() != LENGTH) {
            return "frame " + seq + " has " + frame.readableBytes() + " bytes";
        }
        int base = frame.readerIndex();
        for (int k = 0; k < LENGTH; k += 4) {
            int want = k == 0 ? seq : seq * 31 + k;
            int got = frame.getInt(base + k);
            if (got != want) {
                return "frame " + seq + " at byte " + k + ": " + got + " instead of " + want;
            }
        }
        return null;
    }

    /** The buffer index of the frame being delivered: the slot just before the RX ring's cur. */
    private static int lastDeliveredBufIdx(NetmapChannel ch) {
        NetmapRing ring = ch.port().rxRing(0);
        int cur = ring.cur();
        int slot = cur == 0 ? ring.numSlots() - 1 : cur - 1;
        return ring.bufIdx(slot);
    }
}
