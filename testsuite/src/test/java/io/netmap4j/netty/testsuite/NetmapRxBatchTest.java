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
import io.netty.util.concurrent.EventExecutor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NetmapChannelOption#RX_BATCH}: a sender S puts numbered frames into pipe {@code }1}; the
 * channel B at the other end delivers them as {@link NetmapRxBatch}es, and its handler drops, tags
 * and writes them to pipes {@code {2} and {@code {3}, whose far ends record what arrives.
 */
class NetmapRxBatchTest {
    private static final int FRAMES = 6000;
    private static EventLoopGroup group;
    private static EventLoop first;
    private static EventLoop second;

    @BeforeAll
    static void startGroup() {
        group = NetmapTestPermutation.newGroup();
        Iterator<EventExecutor> loops = group.iterator();
        first = (EventLoop) loops.next();
        second = (EventLoop) loops.next();
        assertNotEquals(first, second, "the group needs two loops");
    }

    @AfterAll
    static void stopGroup() throws InterruptedException {
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
    }

    /** Like a load balancer behind a filter: every third frame dropped, the others split by tag. */
    @Test
    void tagsSplitEachBatchAndDroppedFramesGoNowhere() throws Exception {
        String name = NetmapTestPermutation.newPipeName();
        Recorder toTwo = new Recorder();
        Recorder toThree = new Recorder();
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        List<NetmapChannel> open = new ArrayList<>();
        try {
            open.add(bind(second, name + "}2", false, toTwo));
            open.add(bind(second, name + "}3", false, toThree));
            NetmapChannel two = bind(first, name + "{2", false, new ChannelInboundHandlerAdapter());
            NetmapChannel three = bind(first, name + "{3", false, new ChannelInboundHandlerAdapter());
            open.add(two);
            open.add(three);
            open.add(bind(first, name + "}1", true, new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    NetmapRxBatch batch = assertInstanceOf(NetmapRxBatch.class, msg);
                    for (int i = 0; i < batch.size(); i++) {
                        ByteBuf frame = batch.frame(i);
                        int seq = frame.getInt(frame.readerIndex());
                        if (frame.readableBytes() != length(seq) || batch.length(i) != length(seq)) {
                            errors.add("frame " + seq + " has " + frame.readableBytes() + " bytes");
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
            }));
            NetmapChannel sender = bind(second, name + "{1", false, new ChannelInboundHandlerAdapter());
            open.add(sender);
            sendNumbered(sender, FRAMES);
            toTwo.await(FRAMES / 3);
            toThree.await(FRAMES / 3);
            assertEquals(List.of(), List.copyOf(errors));
            toTwo.assertExactly(FRAMES, seq -> seq % 3 == 1);
            toThree.assertExactly(FRAMES, seq -> seq % 3 == 2);
            long moved = two.eventLoop().submit(() -> two.txZeroCopyFrames() + three.txZeroCopyFrames())
                    .get(10, TimeUnit.SECONDS);
            assertTrue(moved > 0, "frames of pipes of one parent on one loop move by buffer index");
        } finally {
            closeAll(open);
        }
    }

    @Test
    void aBatchIsUsableOnlyInsideItsChannelRead() throws Exception {
        String name = NetmapTestPermutation.newPipeName();
        CompletableFuture<NetmapRxBatch> kept = new CompletableFuture<>();
        CompletableFuture<ByteBuf> copy = new CompletableFuture<>();
        List<NetmapChannel> open = new ArrayList<>();
        try {
            Recorder far = new Recorder();
            open.add(bind(second, name + "}2", false, far));
            NetmapChannel target = bind(first, name + "{2", false, new ChannelInboundHandlerAdapter());
            open.add(target);
            open.add(bind(first, name + "}1", true, new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    NetmapRxBatch batch = (NetmapRxBatch) msg;
                    if (!kept.isDone()) {
                        try {
                            ByteBuf frame = batch.frame(0);
                            assertThrows(UnsupportedOperationException.class, frame::retain, "a frame cannot be kept");
                            assertFalse(frame.release(), "releasing a batch's frame does nothing");
                            copy.complete(batch.copy(0, ctx.alloc()));
                            kept.complete(batch);
                        } catch (Throwable t) {
                            kept.completeExceptionally(t);
                        }
                    }
                }
            }));
            NetmapChannel sender = bind(second, name + "{1", false, new ChannelInboundHandlerAdapter());
            open.add(sender);
            sendNumbered(sender, 10);
            NetmapRxBatch batch = kept.get(10, TimeUnit.SECONDS);
            ByteBuf frame = copy.get();
            try {
                assertEquals(0, frame.readerIndex(), "a copy starts at index 0");
                assertEquals(length(0), frame.readableBytes());
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
            assertEquals(0, far.count(), "nothing was sent");
        } finally {
            closeAll(open);
        }
    }

    @Test
    void aWritesPromiseCompletesAtTheFlush() throws Exception {
        String name = NetmapTestPermutation.newPipeName();
        CompletableFuture<String> outcome = new CompletableFuture<>();
        List<NetmapChannel> open = new ArrayList<>();
        try {
            Recorder far = new Recorder();
            open.add(bind(second, name + "}2", false, far));
            NetmapChannel target = bind(first, name + "{2", false, new ChannelInboundHandlerAdapter());
            open.add(target);
            open.add(bind(first, name + "}1", true, new ChannelInboundHandlerAdapter() {
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
            }));
            NetmapChannel sender = bind(second, name + "{1", false, new ChannelInboundHandlerAdapter());
            open.add(sender);
            sendNumbered(sender, 1);
            assertEquals("1 frames, nothing tagged 7 done at once true, done before the flush false, after true",
                    outcome.get(10, TimeUnit.SECONDS));
            far.await(1);
            far.assertExactly(1, seq -> true);
        } finally {
            closeAll(open);
        }
    }

    /** Batches nobody takes end at the pipeline's tail, and their slots go back to the ring. */
    @Test
    void batchesNobodyTakesGiveTheirSlotsBack() throws Exception {
        String name = NetmapTestPermutation.newPipeName();
        List<NetmapChannel> open = new ArrayList<>();
        try {
            NetmapChannel receiver = bind(first, name + "}1", true, new ChannelInboundHandlerAdapter());
            open.add(receiver);
            NetmapChannel sender = bind(second, name + "{1", false, new ChannelInboundHandlerAdapter());
            open.add(sender);
            sendNumbered(sender, FRAMES); // several times the ring: only possible if slots come back
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            long received = 0;
            while (received < FRAMES && System.nanoTime() < deadline) {
                Thread.sleep(10);
                received = receiver.eventLoop().submit(() -> receiver.counters().rxFrames()).get();
            }
            assertEquals(FRAMES, received);
        } finally {
            closeAll(open);
        }
    }

    /** Frames of several slots arrive as ByteBufs between the batches, all in order. */
    @Test
    void chainsArriveBetweenBatchesInOrder() throws Exception {
        String name = NetmapTestPermutation.newPipeName();
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        int[] lengths = {60, 3000, 61, 62, 5000, 63, 64};
        List<NetmapChannel> open = new ArrayList<>();
        try {
            open.add(bind(first, name + "}1", true, new ChannelInboundHandlerAdapter() {
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
            }));
            NetmapChannel sender = (NetmapChannel) new Bootstrap().group(second).channel(NetmapChannel.class)
                    .option(NetmapChannelOption.TX_MOREFRAG, true).handler(new ChannelInboundHandlerAdapter())
                    .bind(NetmapAddress.of(name + "{1")).sync().channel();
            open.add(sender);
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
        } finally {
            closeAll(open);
        }
    }

    /** Records the sequence numbers that arrive, in order. */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        private final List<Integer> seqs = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            int seq = frame.getInt(frame.readerIndex());
            seqs.add(frame.readableBytes() == length(seq) ? seq : -1 - seq);
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

    private static NetmapChannel bind(EventLoop loop, String name, boolean batch, ChannelHandler handler)
            throws InterruptedException {
        return (NetmapChannel) new Bootstrap().group(loop).channel(NetmapChannel.class)
                .option(NetmapChannelOption.RX_BATCH, batch)
                .handler(handler)
                .bind(NetmapAddress.of(name)).sync().channel();
    }

    private static void closeAll(List<NetmapChannel> channels) throws InterruptedException {
        for (int i = channels.size() - 1; i >= 0; i--) {
            channels.get(i).close().sync();
        }
    }

    private static int length(int seq) {
        return 60 + seq % 200;
    }

    /** Sends frames 0..n-1 from any thread, paced by the sender's writability. */
    private static void sendNumbered(NetmapChannel sender, int n) throws Exception {
        for (int i = 0; i < n; ) {
            if (!sender.isWritable()) {
                Thread.sleep(1);
                continue;
            }
            int batch = Math.min(64, n - i);
            int from = i;
            sender.eventLoop().submit(() -> {
                for (int k = from; k < from + batch; k++) {
                    ByteBuf frame = sender.alloc().directBuffer(length(k));
                    frame.writeInt(k).writeZero(length(k) - 4);
                    sender.write(frame, sender.voidPromise());
                }
                sender.flush();
            }).sync();
            i += batch;
        }
    }
}
