package io.netmap4j.netty.testsuite;

import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapTxBatch;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.IllegalReferenceCountException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.lang.foreign.MemorySegment;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Frames written on the event loop while nothing is queued go straight into TX slots, without an
 * entry in Netty's outbound buffer; to a user this must look exactly like Netty's own writes:
 * outbound handlers see every write, order holds across direct and queued writes, nothing leaves
 * before the flush, real promises complete at the flush (in order, cancellable until then), a
 * close before the flush fails them, and direct frames do not count against the watermarks.
 */
class NetmapDirectWriteTest extends AbstractNetmapFrameTest {
    private static final int FRAME = 100;

    /** Records the sequence numbers a reader receives, checking each frame's content. */
    private static final class Recorder extends SimpleChannelInboundHandler<ByteBuf> {
        final BlockingQueue<Integer> received = new LinkedBlockingQueue<>();
        volatile String error;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
            int seq = msg.getInt(msg.readerIndex());
            try {
                assertFrame(msg, seq, msg.readableBytes());
            } catch (AssertionError e) {
                error = e.getMessage();
            }
            received.add(seq);
        }

        List<Integer> take(int n) throws InterruptedException {
            List<Integer> got = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Integer seq = received.poll(10, TimeUnit.SECONDS);
                if (seq == null) {
                    break;
                }
                got.add(seq);
            }
            assertNull(error);
            return got;
        }
    }

    /** Counts the writes it sees and marks each frame (byte 4), so the reader can tell it passed. */
    private static final class Stamper extends ChannelOutboundHandlerAdapter {
        int seen;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            seen++;
            ((ByteBuf) msg).setByte(((ByteBuf) msg).readerIndex() + 4, 0x5a);
            ctx.write(msg, promise);
        }
    }

    @Test
    void testOutboundHandlersSeeEveryDirectWrite(TestInfo testInfo) throws Throwable {
        run(testInfo, this::testOutboundHandlersSeeEveryDirectWrite);
    }

    void testOutboundHandlersSeeEveryDirectWrite(Bootstrap sb, Bootstrap cb) throws Throwable {
        int n = 500;
        BlockingQueue<Integer> received = new LinkedBlockingQueue<>();
        sb.handler(new SimpleChannelInboundHandler<ByteBuf>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                if (msg.getByte(msg.readerIndex() + 4) == 0x5a) {
                    received.add(msg.getInt(msg.readerIndex()));
                }
            }
        });
        cb.handler(new ChannelInboundHandlerAdapter());
        Channel reader = NetmapTestPermutation.bind(sb);
        NetmapChannel writer = (NetmapChannel) NetmapTestPermutation.bind(cb);
        try {
            // addFirst after bind: the handler nearest the head, the last one a write passes.
            Stamper stamper = new Stamper();
            writer.pipeline().addFirst(stamper);
            long direct = writer.eventLoop().submit(() -> {
                for (int i = 0; i < n; i++) {
                    writer.write(frame(writer.alloc(), i, FRAME), writer.voidPromise());
                    if (i % 50 == 49) {
                        writer.flush();
                    }
                }
                return writer.txDirectFrames();
            }).get(10, TimeUnit.SECONDS);
            for (int i = 0; i < n; i++) {
                Integer seq = received.poll(10, TimeUnit.SECONDS);
                assertEquals(i, seq, "frame " + i + " arrives stamped, in order");
            }
            assertEquals(n, writer.eventLoop().submit(() -> stamper.seen).get());
            assertEquals(n, direct, "every frame went straight into a slot");
        } finally {
            writer.close().sync();
            reader.close().sync();
        }
    }

    @Test
    void testNothingLeavesBeforeTheFlush(TestInfo testInfo) throws Throwable {
        run(testInfo, this::testNothingLeavesBeforeTheFlush);
    }

    void testNothingLeavesBeforeTheFlush(Bootstrap sb, Bootstrap cb) throws Throwable {
        Recorder recorder = new Recorder();
        sb.handler(recorder);
        cb.handler(new ChannelInboundHandlerAdapter());
        Channel reader = NetmapTestPermutation.bind(sb);
        NetmapChannel writer = (NetmapChannel) NetmapTestPermutation.bind(cb);
        try {
            List<Integer> completed = new ArrayList<>();
            List<ChannelFuture> futures = writer.eventLoop().submit(() -> {
                List<ChannelFuture> fs = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    int seq = i;
                    fs.add(writer.write(frame(writer.alloc(), i, FRAME)).addListener(f -> completed.add(seq)));
                }
                assertEquals(10, writer.txDirectFrames());
                assertEquals(0, writer.unsafe().outboundBuffer().totalPendingWriteBytes(),
                        "a frame in a slot is not pending in the outbound buffer");
                assertTrue(writer.isWritable());
                return fs;
            }).get(10, TimeUnit.SECONDS);
            // The loops go on polling both ports meanwhile; an unflushed frame must not be sent.
            assertNull(recorder.received.poll(300, TimeUnit.MILLISECONDS), "a frame left before the flush");
            for (ChannelFuture f : futures) {
                assertFalse(f.isDone(), "a write's promise completes at the flush, not before");
            }
            writer.eventLoop().submit(() -> writer.flush()).sync();
            for (ChannelFuture f : futures) {
                assertTrue(f.await(10, TimeUnit.SECONDS) && f.isSuccess());
            }
            assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), recorder.take(10));
            assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), writer.eventLoop().submit(() -> List.copyOf(completed)).get(),
                    "promises complete in write order");
        } finally {
            writer.close().sync();
            reader.close().sync();
        }
    }

    @Test
    void testCancelledAndClosedDirectWrites(TestInfo testInfo) throws Throwable {
        run(testInfo, this::testCancelledAndClosedDirectWrites);
    }

    void testCancelledAndClosedDirectWrites(Bootstrap sb, Bootstrap cb) throws Throwable {
        Recorder recorder = new Recorder();
        sb.handler(recorder);
        cb.handler(new ChannelInboundHandlerAdapter());
        Channel reader = NetmapTestPermutation.bind(sb);
        NetmapChannel writer = (NetmapChannel) NetmapTestPermutation.bind(cb);
        try {
            // Cancelled between write and flush: the frame is dropped, the later ones close up.
            List<ByteBuf> bufs = new ArrayList<>();
            List<ChannelPromise> promises = new ArrayList<>();
            writer.eventLoop().submit(() -> {
                for (int i = 0; i < 6; i++) {
                    ByteBuf buf = frame(writer.alloc(), i, FRAME);
                    ChannelPromise p = writer.newPromise();
                    bufs.add(buf);
                    promises.add(p);
                    writer.write(buf, p);
                }
                assertTrue(promises.get(1).cancel(false));
                assertTrue(promises.get(4).cancel(false));
                assertTrue(promises.get(5).cancel(false));
                writer.flush();
                assertFalse(promises.get(0).cancel(false), "a flushed write can no longer be cancelled");
            }).sync();
            assertEquals(List.of(0, 2, 3), recorder.take(3));
            for (int i = 0; i < 6; i++) {
                boolean cancelled = i == 1 || i == 4 || i == 5;
                assertEquals(cancelled, promises.get(i).isCancelled(), "promise " + i);
                assertEquals(!cancelled, promises.get(i).isSuccess(), "promise " + i);
                assertEquals(0, bufs.get(i).refCnt(), "frame " + i + " is released");
            }
            // The channel goes on writing directly after the cancellations.
            writer.eventLoop().submit(() -> writer.writeAndFlush(frame(writer.alloc(), 6, FRAME))).sync();
            assertEquals(List.of(6), recorder.take(1));

            // Closed before the flush: the writes fail and nothing is sent.
            List<ChannelFuture> unflushed = writer.eventLoop().submit(() -> {
                List<ChannelFuture> fs = new ArrayList<>();
                for (int i = 7; i < 10; i++) {
                    fs.add(writer.write(frame(writer.alloc(), i, FRAME)));
                }
                writer.write(frame(writer.alloc(), 10, FRAME), writer.voidPromise());
                writer.close();
                return fs;
            }).get(10, TimeUnit.SECONDS);
            for (ChannelFuture f : unflushed) {
                assertInstanceOf(ClosedChannelException.class, f.await().cause());
            }
            assertNull(recorder.received.poll(300, TimeUnit.MILLISECONDS), "an unflushed frame left after all");
        } finally {
            writer.close().sync();
            reader.close().sync();
        }
    }

    @Test
    void testFailedDirectWriteWithVoidPromiseFiresExceptionCaught(TestInfo testInfo) throws Throwable {
        run(testInfo, this::testFailedDirectWriteWithVoidPromiseFiresExceptionCaught);
    }

    void testFailedDirectWriteWithVoidPromiseFiresExceptionCaught(Bootstrap sb, Bootstrap cb) throws Throwable {
        Recorder recorder = new Recorder();
        sb.handler(recorder);
        CompletableFuture<Throwable> caught = new CompletableFuture<>();
        cb.handler(new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                caught.complete(cause);
            }
        });
        Channel reader = NetmapTestPermutation.bind(sb);
        NetmapChannel writer = (NetmapChannel) NetmapTestPermutation.bind(cb);
        try {
            writer.eventLoop().submit(() -> {
                ByteBuf released = frame(writer.alloc(), 0, FRAME);
                released.release();
                writer.write(released, writer.voidPromise());
                writer.writeAndFlush(frame(writer.alloc(), 1, FRAME), writer.voidPromise());
            }).sync();
            assertInstanceOf(IllegalReferenceCountException.class, caught.get(10, TimeUnit.SECONDS));
            assertEquals(List.of(1), recorder.take(1), "the failed write sent nothing, the next one went out");
            assertTrue(writer.isActive());
        } finally {
            writer.close().sync();
            reader.close().sync();
        }
    }

    @Test
    void testMixedWritesKeepOrder(TestInfo testInfo) throws Throwable {
        run(testInfo, this::testMixedWritesKeepOrder);
    }

    /**
     * Thousands of writes from the loop with flushes at random points, void and real promises,
     * some cancelled, one-frame batches among them, and bursts that fill the ring so that writes
     * switch between the direct path and Netty's queue: the reader gets exactly the frames not
     * cancelled, in write order, and the promises complete in write order.
     */
    void testMixedWritesKeepOrder(Bootstrap sb, Bootstrap cb) throws Throwable {
        int total = 6000;
        Recorder recorder = new Recorder();
        sb.handler(recorder);
        RandomWriter randomWriter = new RandomWriter(total, new Random(42));
        cb.handler(randomWriter);
        Channel reader = NetmapTestPermutation.bind(sb);
        NetmapChannel writer = (NetmapChannel) NetmapTestPermutation.bind(cb);
        try {
            writer.eventLoop().execute(randomWriter::pump);
            RandomWriter.Outcome outcome = randomWriter.done.get(30, TimeUnit.SECONDS);
            assertSameSequence("received frames", outcome.expected, recorder.take(outcome.expected.size()));
            assertNull(recorder.received.poll(100, TimeUnit.MILLISECONDS), "a cancelled frame was sent");
            assertSameSequence("completed promises", outcome.expected.stream().filter(outcome.real::contains).toList(),
                    outcome.succeeded);
            assertTrue(outcome.direct > 0 && outcome.direct < total, "both paths were used: " + outcome.direct
                    + " direct of " + total);
        } finally {
            writer.close().sync();
            reader.close().sync();
        }
    }

    /** Fails with the first place two sequences differ, rather than with both of them whole. */
    private static void assertSameSequence(String what, List<Integer> expected, List<Integer> actual) {
        int n = Math.min(expected.size(), actual.size());
        for (int i = 0; i < n; i++) {
            if (!expected.get(i).equals(actual.get(i))) {
                throw new AssertionError(what + " differ at position " + i + ": expected "
                        + expected.subList(Math.max(0, i - 3), Math.min(expected.size(), i + 8)) + ", got "
                        + actual.subList(Math.max(0, i - 3), Math.min(actual.size(), i + 8)));
            }
        }
        assertEquals(expected.size(), actual.size(), what + ": how many");
    }

    /** Drives the writes of {@link #testMixedWritesKeepOrder} on the writer's loop. */
    private static final class RandomWriter extends ChannelInboundHandlerAdapter {
        record Outcome(List<Integer> expected, List<Integer> succeeded, List<Integer> real, long direct) {
        }

        final CompletableFuture<Outcome> done = new CompletableFuture<>();
        private final int total;
        private final Random random;
        private final List<Integer> expected = new ArrayList<>();
        private final List<Integer> succeeded = new ArrayList<>();
        private final List<Integer> real = new ArrayList<>();
        private final List<ChannelFuture> pending = new ArrayList<>();
        private ChannelHandlerContext ctx;
        private int next;
        private boolean parked;

        RandomWriter(int total, Random random) {
            this.total = total;
            this.random = random;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }

        void pump() {
            Channel ch = ctx.channel();
            while (next < total) {
                if (!ch.isWritable()) {
                    parked = true;
                    return;
                }
                int burst = random.nextInt(8) == 0 ? 1500 : 1 + random.nextInt(40);
                for (int i = 0; i < burst && next < total; i++) {
                    writeOne(ch);
                }
                ch.flush();
            }
            ch.flush();
            ChannelFuture last = pending.isEmpty() ? ch.newSucceededFuture() : pending.get(pending.size() - 1);
            last.addListener(f -> done.complete(new Outcome(expected, succeeded, real,
                    ((NetmapChannel) ch).txDirectFrames())));
        }

        private void writeOne(Channel ch) {
            int seq = next++;
            int kind = random.nextInt(10);
            if (kind == 0) {
                // A batch: always queued, and whatever follows it queues behind it.
                ByteBuf buf = frame(ch.alloc(), seq, 60 + random.nextInt(200));
                expected.add(seq);
                ch.write((NetmapTxBatch) slots -> {
                    MemorySegment.copy(MemorySegment.ofBuffer(buf.nioBuffer()), 0, slots.region(),
                            slots.bufferOffset(), buf.readableBytes());
                    slots.commit(buf.readableBytes());
                    buf.release();
                    return true;
                }, ch.voidPromise());
                return;
            }
            ByteBuf buf = frame(ch.alloc(), seq, 60 + random.nextInt(1455));
            if (kind < 5) {
                expected.add(seq);
                ch.write(buf, ch.voidPromise());
                return;
            }
            ChannelPromise p = ch.newPromise();
            ch.write(buf, p);
            if (kind == 9 && p.cancel(false)) {
                return;
            }
            expected.add(seq);
            real.add(seq);
            pending.add(p.addListener(f -> {
                if (f.isSuccess()) {
                    succeeded.add(seq);
                }
            }));
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (parked && ctx.channel().isWritable()) {
                parked = false;
                pump();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
        }
    }
}
