package io.netmap4j.netty.testsuite;

import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapFrame;
import io.netmap4j.netty.NetmapRxBatch;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.IllegalReferenceCountException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frames a handler keeps past {@code channelRead} stay intact while later frames arrive (copy
 * mode: they are copies; zero-copy: their buffers were swapped for extra buffers or their slots
 * stay held), and are all valid when released together at the end. Every frame arrives intact
 * with RX_READ_AHEAD on (the default) and off, and in RX_BATCH batches. Also: with RX_FRAME_METADATA the pipeline gets
 * {@link NetmapFrame}s naming the RX ring.
 */
class NetmapRxModesTest extends AbstractNetmapFrameTest {
    /** Fewer than a pipe ring holds, so that holding them all cannot stop reception. */
    private static final int KEPT = 100;

    @Test
    void testKeptFramesStayIntact(TestInfo testInfo) throws Throwable {
        run(testInfo, this::testKeptFramesStayIntact);
    }

    void testKeptFramesStayIntact(Bootstrap sb, Bootstrap cb) throws Throwable {
        int total = 3 * KEPT;
        CompletableFuture<Integer> done = new CompletableFuture<>();
        sb.handler(new ChannelInboundHandlerAdapter() {
            private final List<ByteBuf> kept = new ArrayList<>();
            private int next;

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf buf = (ByteBuf) msg;
                int seq = next++;
                if (seq % 3 == 0) {
                    kept.add(buf); // every third frame is kept until the end
                } else {
                    buf.release();
                }
                if (next == total) {
                    try {
                        for (int i = 0; i < kept.size(); i++) {
                            assertFrame(kept.get(i), 3 * i, sweepLength(3 * i));
                        }
                        done.complete(kept.size());
                    } catch (Throwable t) {
                        done.completeExceptionally(t);
                    } finally {
                        kept.forEach(ByteBuf::release);
                        kept.clear();
                    }
                }
            }
        });
        assertEquals(KEPT, sendSweep(sb, cb, total, done));
    }

    @Test
    void testEveryFrameArrivesIntactWithAndWithoutReadAhead(TestInfo testInfo) throws Throwable {
        run(testInfo, (sb, cb) -> everyFrameArrivesIntact(sb.option(NetmapChannelOption.RX_READ_AHEAD, true), cb));
        run(testInfo, (sb, cb) -> everyFrameArrivesIntact(sb.option(NetmapChannelOption.RX_READ_AHEAD, false), cb));
    }

    /** Several rings' worth of distinct frames, each checked byte for byte and in order. */
    private void everyFrameArrivesIntact(Bootstrap sb, Bootstrap cb) throws Throwable {
        int total = 3000;
        CompletableFuture<Integer> done = new CompletableFuture<>();
        sb.handler(new ChannelInboundHandlerAdapter() {
            private int next;

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf buf = (ByteBuf) msg;
                try {
                    assertFrame(buf, next, sweepLength(next));
                    if (++next == total) {
                        done.complete(next);
                    }
                } catch (Throwable t) {
                    done.completeExceptionally(t);
                } finally {
                    buf.release();
                }
            }
        });
        assertEquals(total, sendSweep(sb, cb, total, done));
    }

    /** With RX_BATCH, over every pair of ports: the frames of each batch, then the next, all intact and in order. */
    @Test
    void testEveryFrameArrivesIntactInBatches(TestInfo testInfo) throws Throwable {
        run(testInfo, (sb, cb) -> {
            int total = 3000;
            CompletableFuture<Integer> done = new CompletableFuture<>();
            sb.option(NetmapChannelOption.RX_BATCH, true).handler(new ChannelInboundHandlerAdapter() {
                private int next;

                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    try {
                        if (msg instanceof NetmapRxBatch batch) {
                            for (int i = 0; i < batch.size(); i++) {
                                check(batch.frame(i));
                            }
                        } else {
                            ByteBuf buf = (ByteBuf) msg; // a frame of several slots comes on its own
                            try {
                                check(buf);
                            } finally {
                                buf.release();
                            }
                        }
                    } catch (Throwable t) {
                        done.completeExceptionally(t);
                    }
                }

                private void check(ByteBuf frame) {
                    assertFrame(frame, next, sweepLength(next));
                    if (++next == total) {
                        done.complete(next);
                    }
                }
            });
            assertEquals(total, sendSweep(sb, cb, total, done));
        });
    }

    /**
     * Binds both ends, sends frames 0 to {@code total - 1} of the size sweep from cb's end to sb's
     * (a flush every 100), and returns what {@code done} completes with.
     */
    private static <T> T sendSweep(Bootstrap sb, Bootstrap cb, int total, CompletableFuture<T> done) throws Throwable {
        cb.handler(new ChannelInboundHandlerAdapter());
        Channel reader = NetmapTestPermutation.bind(sb);
        Channel writer = NetmapTestPermutation.bind(cb);
        try {
            for (int i = 0; i < total; i++) {
                writer.write(frame(writer.alloc(), i, sweepLength(i)));
                if (i % 100 == 99) {
                    writer.flush();
                }
            }
            writer.flush();
            return done.get(30, TimeUnit.SECONDS);
        } finally {
            writer.close().sync();
            reader.close().sync();
        }
    }

    @Test
    void testReleasesOnAndOffTheLoop(TestInfo testInfo) throws Throwable {
        run(testInfo, this::testReleasesOnAndOffTheLoop);
    }

    /**
     * Every other frame is released by its handler on the event loop (after which it must read as
     * released); the others are retained and released once there (not the last reference), then
     * checked and released for good on another thread. Several rings' worth of frames get through
     * only if every kind of release gives the slot back.
     */
    void testReleasesOnAndOffTheLoop(Bootstrap sb, Bootstrap cb) throws Throwable {
        int total = 4096;
        ExecutorService other = Executors.newSingleThreadExecutor();
        AtomicInteger finished = new AtomicInteger();
        AtomicInteger read = new AtomicInteger();
        CompletableFuture<Void> done = new CompletableFuture<>();
        sb.handler(new ChannelInboundHandlerAdapter() {
            private int next;

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf buf = (ByteBuf) msg;
                int seq = next++;
                read.incrementAndGet();
                try {
                    if (seq % 2 == 0) {
                        assertFrame(buf, seq, 64);
                        assertTrue(buf.release(), "the handler held the only reference");
                        assertEquals(0, buf.refCnt());
                        assertThrows(IllegalReferenceCountException.class, () -> buf.getByte(0));
                        finish(finished, total, done);
                    } else {
                        buf.retain();
                        assertFalse(buf.release(), "one reference is left for the other thread");
                        other.execute(() -> {
                            try {
                                assertFrame(buf, seq, 64);
                                assertTrue(buf.release(), "the other thread held the last reference");
                                finish(finished, total, done);
                            } catch (Throwable t) {
                                done.completeExceptionally(t);
                            }
                        });
                    }
                } catch (Throwable t) {
                    done.completeExceptionally(t);
                }
            }
        });
        cb.handler(new ChannelInboundHandlerAdapter());
        Channel reader = NetmapTestPermutation.bind(sb);
        Channel writer = NetmapTestPermutation.bind(cb);
        try {
            // a pipe pushes back on the writer; a switch drops what the reader's ring cannot hold,
            // so there the frames go in windows of half a ring, each once the last was read
            int window = NetmapTestPermutation.isSwitchPort(sb) ? 2048 : total;
            for (int sent = 0; sent < total; ) {
                int end = Math.min(total, sent + window);
                for (int i = sent; i < end; i++) {
                    writer.write(frame(writer.alloc(), i, 64));
                }
                writer.flush();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (end < total && read.get() < end && System.nanoTime() < deadline && !done.isDone()) {
                    Thread.sleep(1);
                }
                sent = end;
            }
            done.get(30, TimeUnit.SECONDS);
        } finally {
            writer.close().sync();
            reader.close().sync();
            other.shutdown();
        }
    }

    private static void finish(AtomicInteger finished, int total, CompletableFuture<Void> done) {
        if (finished.incrementAndGet() == total) {
            done.complete(null);
        }
    }

    @Test
    void testFrameMetadata(TestInfo testInfo) throws Throwable {
        run(testInfo, this::testFrameMetadata);
    }

    void testFrameMetadata(Bootstrap sb, Bootstrap cb) throws Throwable {
        CompletableFuture<NetmapFrame> first = new CompletableFuture<>();
        sb.option(NetmapChannelOption.RX_FRAME_METADATA, true).handler(new SimpleChannelInboundHandler<NetmapFrame>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, NetmapFrame frame) {
                try {
                    assertFrame(frame.content(), 7, 128);
                    first.complete(frame.replace(frame.content().copy()));
                } catch (Throwable t) {
                    first.completeExceptionally(t);
                }
            }
        });
        cb.handler(new ChannelInboundHandlerAdapter());
        Channel reader = NetmapTestPermutation.bind(sb);
        Channel writer = NetmapTestPermutation.bind(cb);
        try {
            writer.writeAndFlush(frame(writer.alloc(), 7, 128)).sync();
            NetmapFrame frame = first.get(10, TimeUnit.SECONDS);
            try {
                assertEquals(0, frame.ringId(), "a pipe end has one RX ring, number 0");
                assertEquals(128, frame.content().readableBytes());
            } finally {
                frame.release();
            }
        } finally {
            writer.close().sync();
            reader.close().sync();
        }
    }
}
