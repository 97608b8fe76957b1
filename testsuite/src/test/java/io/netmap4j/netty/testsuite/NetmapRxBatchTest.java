package io.netmap4j.netty.testsuite;

import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapRxBatch;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NetmapChannelOption#RX_BATCH}: a sender on the second loop puts numbered frames into pipe
 * {@code {1}; the source, {@code }1} on the first loop, delivers them as {@link NetmapRxBatch}es,
 * and its handler drops, tags and writes them to outputs {@code {2}, {@code {3} (also on the first
 * loop: one parent, so frames can move by buffer index), whose far ends record what arrives.
 */
class NetmapRxBatchTest {
    private static final int FRAMES = 6000;
    private static EventLoopGroup group;
    private static EventLoop first;
    private static EventLoop second;
    /** The channels a test opened, closed after it in reverse order. */
    private final List<NetmapChannel> open = new ArrayList<>();
    private final String name = NetmapTestPermutation.newPipeName();

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

    @AfterEach
    void closeAll() throws InterruptedException {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close().sync();
        }
    }

    /** Like a load balancer behind a filter: every third frame dropped, the others split by tag. */
    @Test
    void tagsSplitEachBatchAndDroppedFramesGoNowhere() throws Exception {
        Recorder toTwo = new Recorder();
        Recorder toThree = new Recorder();
        NetmapChannel two = output(2, toTwo);
        NetmapChannel three = output(3, toThree);
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        source(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                NetmapRxBatch batch = assertInstanceOf(NetmapRxBatch.class, msg);
                for (int i = 0; i < batch.size(); i++) {
                    int seq = NumberedFrames.seq(batch.frame(i));
                    if (seq < 0 || batch.length(i) != NumberedFrames.length(seq)) {
                        errors.add("frame " + i + " of a batch is damaged (" + seq + ")");
                    }
                    if (seq % 3 == 0) {
                        batch.drop(i);
                    } else {
                        batch.tag(i, seq % 3 - 1);
                    }
                }
                int present = batch.presentFrames();
                int tagged = batch.tagged(0).frames() + batch.tagged(1).frames();
                if (present != tagged) {
                    errors.add(present + " frames present, " + tagged + " tagged");
                }
                two.write(batch.tagged(0));
                three.write(batch.tagged(1));
                if (batch.presentFrames() != 0) {
                    errors.add("frames left in the batch after both writes took theirs");
                }
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                two.flush();
                three.flush();
            }
        });
        NumberedFrames.send(sender(), FRAMES);
        toTwo.await(FRAMES / 3);
        toThree.await(FRAMES / 3);
        assertEquals(List.of(), List.copyOf(errors));
        toTwo.assertExactly(FRAMES, seq -> seq % 3 == 1);
        toThree.assertExactly(FRAMES, seq -> seq % 3 == 2);
        long moved = first.submit(() -> two.txZeroCopyFrames() + three.txZeroCopyFrames()).get(10, TimeUnit.SECONDS);
        assertTrue(moved > 0, "frames of pipes of one parent on one loop move by buffer index");
    }

    @Test
    void aBatchIsUsableOnlyInsideItsChannelRead() throws Exception {
        Recorder far = new Recorder();
        NetmapChannel target = output(2, far);
        CompletableFuture<NetmapRxBatch> kept = new CompletableFuture<>();
        CompletableFuture<ByteBuf> copy = new CompletableFuture<>();
        CompletableFuture<ChannelFuture> toElsewhere = new CompletableFuture<>();
        NetmapChannel elsewhere = bind(second, name + "{3", false, new ChannelInboundHandlerAdapter());
        source(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                NetmapRxBatch batch = (NetmapRxBatch) msg;
                if (!kept.isDone()) {
                    try {
                        ByteBuf frame = batch.frame(0);
                        assertThrows(UnsupportedOperationException.class, frame::retain, "a frame cannot be kept");
                        assertFalse(frame.release(), "releasing a batch's frame does nothing");
                        assertThrows(IllegalArgumentException.class, () -> batch.tag(0, -1));
                        assertThrows(IllegalArgumentException.class, () -> batch.tagged(NetmapRxBatch.MAX_TAG + 1));
                        copy.complete(batch.copy(0, ctx.alloc()));
                        toElsewhere.complete(elsewhere.writeAndFlush(batch));
                        kept.complete(batch);
                    } catch (Throwable t) {
                        kept.completeExceptionally(t);
                    }
                }
            }
        });
        NumberedFrames.send(sender(), 10);
        NetmapRxBatch batch = kept.get(10, TimeUnit.SECONDS);
        ByteBuf frame = copy.get();
        try {
            assertEquals(0, frame.readerIndex(), "a copy starts at index 0");
            assertEquals(NumberedFrames.length(0), frame.readableBytes());
            assertEquals(0, frame.getInt(0), "the copy holds the first frame");
        } finally {
            frame.release();
        }
        // a task on the loop runs after the read that delivered the batch
        assertEquals(0, first.submit(batch::size).get(10, TimeUnit.SECONDS), "after its channelRead the batch is empty");
        IllegalStateException over = assertThrows(IllegalStateException.class, () -> batch.frame(0));
        assertTrue(over.getMessage().contains("only inside the channelRead"), over.getMessage());
        for (EventLoop loop : List.of(first, second)) {
            ChannelFuture late = loop.submit(() -> target.writeAndFlush(batch)).get(10, TimeUnit.SECONDS);
            assertTrue(late.await(10, TimeUnit.SECONDS));
            IllegalStateException refused = assertInstanceOf(IllegalStateException.class, late.cause());
            assertTrue(refused.getMessage().contains("only inside the channelRead"), refused.getMessage());
        }
        ChannelFuture crossed = toElsewhere.get();
        assertTrue(crossed.await(10, TimeUnit.SECONDS));
        IllegalStateException otherLoop = assertInstanceOf(IllegalStateException.class, crossed.cause());
        assertTrue(otherLoop.getMessage().contains("another event loop") && otherLoop.getMessage().contains("FrameOutputs"),
                otherLoop.getMessage());
        assertEquals(0, far.count(), "nothing was sent");
    }

    @Test
    void aWritesPromiseCompletesAtTheFlush() throws Exception {
        Recorder far = new Recorder();
        NetmapChannel target = output(2, far);
        CompletableFuture<String> outcome = new CompletableFuture<>();
        source(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                NetmapRxBatch batch = (NetmapRxBatch) msg;
                if (outcome.isDone()) {
                    return;
                }
                int n = batch.presentFrames();
                ChannelFuture none = target.write(batch.tagged(7));
                ChannelFuture all = target.write(batch);
                boolean before = all.isDone();
                target.flush();
                outcome.complete(n + " frames, nothing tagged 7 done at once " + none.isSuccess()
                        + ", done before the flush " + before + ", after " + all.isSuccess());
            }
        });
        NumberedFrames.send(sender(), 1);
        assertEquals("1 frames, nothing tagged 7 done at once true, done before the flush false, after true",
                outcome.get(10, TimeUnit.SECONDS));
        far.await(1);
        far.assertExactly(1, seq -> true);
    }

    /** Batches nobody takes end at the pipeline's tail, and their slots go back to the ring. */
    @Test
    void batchesNobodyTakesGiveTheirSlotsBack() throws Exception {
        NetmapChannel receiver = source(new ChannelInboundHandlerAdapter());
        NumberedFrames.send(sender(), FRAMES); // several times the ring: only possible if slots come back
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long received = 0;
        while (received < FRAMES && System.nanoTime() < deadline) {
            Thread.sleep(10);
            received = first.submit(() -> receiver.counters().rxFrames()).get();
        }
        assertEquals(FRAMES, received);
    }

    /** Frames of several slots arrive as ByteBufs between the batches, all in order. */
    @Test
    void chainsArriveBetweenBatchesInOrder() throws Exception {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        int[] lengths = {60, 3000, 61, 62, 5000, 63, 64};
        source(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof NetmapRxBatch batch) {
                    for (int i = 0; i < batch.size(); i++) {
                        ByteBuf f = batch.frame(i);
                        seen.add("batch " + f.getInt(f.readerIndex()) + "/" + f.readableBytes());
                    }
                } else {
                    ByteBuf f = (ByteBuf) msg;
                    seen.add("buf " + f.getInt(f.readerIndex()) + "/" + f.readableBytes());
                    f.release();
                }
            }
        });
        NetmapChannel sender = sender();
        sender.config().setOption(NetmapChannelOption.TX_MOREFRAG, true);
        sender.eventLoop().submit(() -> {
            for (int i = 0; i < lengths.length; i++) {
                ByteBuf frame = sender.alloc().directBuffer(lengths[i]);
                frame.writeInt(i).writeZero(lengths[i] - 4);
                sender.write(frame, sender.voidPromise());
            }
            sender.flush();
        }).sync();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (seen.size() < lengths.length && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            expected.add((lengths[i] > 2048 ? "buf " : "batch ") + i + "/" + lengths[i]);
        }
        assertEquals(expected, List.copyOf(seen));
    }

    /** Output {@code {id} on the first loop, and its far end on the second, recorded by {@code far}. */
    private NetmapChannel output(int id, Recorder far) throws InterruptedException {
        bind(second, name + "}" + id, false, far);
        return bind(first, name + "{" + id, false, new ChannelInboundHandlerAdapter());
    }

    /** The source, {@code }1} on the first loop with RX_BATCH on. */
    private NetmapChannel source(ChannelHandler handler) throws InterruptedException {
        return bind(first, name + "}1", true, handler);
    }

    /** The sender, {@code {1} on the second loop. */
    private NetmapChannel sender() throws InterruptedException {
        return bind(second, name + "{1", false, new ChannelInboundHandlerAdapter());
    }

    private NetmapChannel bind(EventLoop loop, String port, boolean batch, ChannelHandler handler)
            throws InterruptedException {
        NetmapChannel ch = (NetmapChannel) new Bootstrap().group(loop).channel(NetmapChannel.class)
                .option(NetmapChannelOption.RX_BATCH, batch)
                .handler(handler)
                .bind(NetmapAddress.of(port)).sync().channel();
        open.add(ch);
        return ch;
    }

    /** Records the sequence numbers that arrive, in order (a damaged frame as -1 - its number). */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        private final List<Integer> seqs = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            seqs.add(NumberedFrames.seq(frame));
            frame.release();
        }

        int count() {
            return seqs.size();
        }

        void await(int n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (seqs.size() < n && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        }

        /** Exactly the numbers below {@code total} that {@code wanted} accepts arrived, in order, each intact. */
        void assertExactly(int total, IntPredicate wanted) throws InterruptedException {
            Thread.sleep(100); // anything extra would arrive meanwhile
            List<Integer> expected = new ArrayList<>();
            for (int seq = 0; seq < total; seq++) {
                if (wanted.test(seq)) {
                    expected.add(seq);
                }
            }
            assertEquals(expected, List.copyOf(seqs));
        }
    }
}
