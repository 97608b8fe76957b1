package io.netmap4j.netty.testsuite;

import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.handler.FrameForwarder;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FrameForwarder} between two ports: S sends numbered frames into the source B, B's
 * forwarder writes them to the target C, and D receives what C sends. On one loop with one memory
 * region the frames move by buffer index; on two loops, or between regions, they are copied once;
 * either way every frame arrives, in order, also when D stalls for a while (back-pressure: B stops
 * reading instead of dropping), and frames for a closed target are released and counted. Each
 * case runs with the source delivering one message per frame and one {@code NetmapRxBatch} per read.
 */
class FrameForwarderTest {
    private static final int FRAMES = 20_000;
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

    @ParameterizedTest(name = "RX_BATCH {0}")
    @ValueSource(booleans = {false, true})
    void oneLoopOneRegionMovesBuffers(boolean batch) throws Exception {
        Result r = forward(first, true, true, false, batch);
        assertEquals(FRAMES, r.targetZeroCopy, "every frame moved by index");
    }

    @ParameterizedTest(name = "RX_BATCH {0}")
    @ValueSource(booleans = {false, true})
    void oneLoopOneRegionWithAStallingReceiverLosesNothing(boolean batch) throws Exception {
        Result r = forward(first, true, true, true, batch);
        assertTrue(r.sourcePaused, "the source stopped reading while the target was unwritable");
        assertTrue(r.targetZeroCopy > 0);
    }

    @ParameterizedTest(name = "RX_BATCH {0}")
    @ValueSource(booleans = {false, true})
    void twoRegionsCopyOnce(boolean batch) throws Exception {
        Result r = forward(first, false, false, false, batch);
        assertEquals(0, r.targetZeroCopy, "frames of another region are copied");
    }

    @ParameterizedTest(name = "RX_BATCH {0}")
    @ValueSource(booleans = {false, true})
    void twoLoopsWithAStallingReceiverLoseNothing(boolean batch) throws Exception {
        Result r = forward(second, true, true, true, batch);
        assertTrue(r.sourcePaused, "the source stopped reading while the target was unwritable");
        assertEquals(0, r.targetZeroCopy, "frames of a channel on another loop are copied");
    }

    @ParameterizedTest(name = "RX_BATCH {0}")
    @ValueSource(booleans = {false, true})
    void framesForAClosedTargetAreReleasedAndCounted(boolean batch) throws Exception {
        String name = NetmapTestPermutation.newPipeName();
        NetmapChannel target = bind(first, name + "{2", false, new ChannelInboundHandlerAdapter());
        target.close().sync();
        FrameForwarder forwarder = new FrameForwarder(target);
        NetmapChannel source = bind(first, name + "}1", true, forwarder);
        source.config().setOption(NetmapChannelOption.RX_BATCH, batch);
        NetmapChannel sender = bind(second, name + "{1", false, new ChannelInboundHandlerAdapter());
        try {
            NumberedFrames.send(sender, 100);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (forwarder.droppedFrames() < 100 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(100, forwarder.droppedFrames());
            assertTrue(source.isActive(), "the source keeps running");
        } finally {
            sender.close().sync();
            source.close().sync();
        }
    }

    private record Result(long targetZeroCopy, boolean sourcePaused) {
    }

    /**
     * S -> B =forwarder=> C -> D. B is on {@code first}, C on {@code targetLoop}; C is a pipe of
     * B's parent when {@code sameRegion}; D stops reading for the first half second when {@code stall};
     * B delivers whole RX batches when {@code batch}.
     */
    private static Result forward(EventLoop targetLoop, boolean sameRegion, boolean zeroCopy, boolean stall,
            boolean batch) throws Exception {
        String name = NetmapTestPermutation.newPipeName();
        String targetName = sameRegion ? name + "{2" : NetmapTestPermutation.newPipeName() + "{2";
        String receiverName = targetName.replace("{2", "}2");
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch all = new CountDownLatch(FRAMES);
        int[] next = {0};
        NetmapChannel receiver = (NetmapChannel) new Bootstrap().group(second).channel(NetmapChannel.class)
                .option(ChannelOption.AUTO_READ, !stall)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf frame = (ByteBuf) msg;
                        int seq = frame.getInt(frame.readerIndex());
                        if (seq != next[0] || frame.readableBytes() != NumberedFrames.length(seq)) {
                            errors.add("frame " + seq + " of " + frame.readableBytes() + " bytes where " + next[0]
                                    + " was expected");
                        }
                        next[0] = seq + 1;
                        frame.release();
                        all.countDown();
                    }
                })
                .bind(NetmapAddress.of(receiverName)).sync().channel();
        NetmapChannel target = (NetmapChannel) new Bootstrap().group(targetLoop).channel(NetmapChannel.class)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(8 * 1024, 32 * 1024))
                .handler(new ChannelInboundHandlerAdapter())
                .bind(NetmapAddress.of(targetName)).sync().channel();
        AtomicBoolean paused = new AtomicBoolean();
        NetmapChannel source = bind(first, name + "}1", zeroCopy, new FrameForwarder(target));
        source.config().setOption(NetmapChannelOption.RX_BATCH, batch);
        source.pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                if (!ctx.channel().config().isAutoRead()) {
                    paused.set(true);
                }
            }
        });
        NetmapChannel sender = bind(second, name + "{1", false, new ChannelInboundHandlerAdapter());
        try {
            Thread feeder = new Thread(() -> NumberedFrames.send(sender, FRAMES));
            feeder.start();
            if (stall) {
                Thread.sleep(500);
                receiver.config().setAutoRead(true);
            }
            feeder.join(30_000);
            assertTrue(all.await(30, TimeUnit.SECONDS), "D received " + (FRAMES - all.getCount()) + " of " + FRAMES);
            assertEquals(List.of(), List.copyOf(errors));
            long zc = target.eventLoop().submit(target::txZeroCopyFrames).get(10, TimeUnit.SECONDS);
            assertFalse(sender.eventLoop().submit(() -> sender.unsafe().outboundBuffer().totalPendingWriteBytes() > 0)
                    .get(10, TimeUnit.SECONDS), "the sender has nothing left");
            return new Result(zc, paused.get());
        } finally {
            sender.close().sync();
            source.close().sync();
            target.close().sync();
            receiver.close().sync();
        }
    }

    private static NetmapChannel bind(EventLoop loop, String name, boolean zeroCopy,
            ChannelHandler handler) throws InterruptedException {
        return (NetmapChannel) new Bootstrap().group(loop).channel(NetmapChannel.class)
                .option(NetmapChannelOption.RX_ZERO_COPY, zeroCopy)
                .handler(handler)
                .bind(NetmapAddress.of(name)).sync().channel();
    }
}
