package io.netmap4j.netty.testsuite;

import io.netmap4j.netty.NetmapTxBatch;
import io.netmap4j.netty.NetmapTxSlots;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NetmapTxBatch}: one Netty message that writes many frames in place. A batch larger than
 * the rings completes only after all its frames went out (it is called again as the rings drain);
 * frames keep their order with ordinary writes around them; a batch that throws fails alone.
 */
class NetmapTxBatchTest extends AbstractNetmapFrameTest {
    /**
     * Not over VALE: every frame of a batch larger than the rings must arrive; a VALE switch drops
     * what the reader's full ring cannot hold, as netmap's does, so on a busy machine some of the
     * 5000 frames may not arrive.
     */
    @Override
    protected List<BootstrapComboFactory<Bootstrap, Bootstrap>> newFactories() {
        return NetmapTestPermutation.pairsWithoutSwitches(group());
    }

    private static final int BATCH_FRAMES = 5000;

    @Test
    void testBatchLargerThanRing(TestInfo testInfo) throws Throwable {
        run(testInfo, this::testBatchLargerThanRing);
    }

    void testBatchLargerThanRing(Bootstrap sb, Bootstrap cb) throws Throwable {
        int total = BATCH_FRAMES + 2;
        CompletableFuture<Integer> done = new CompletableFuture<>();
        sb.handler(new SimpleChannelInboundHandler<ByteBuf>() {
            private int next;

            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                try {
                    assertFrame(msg, next, sweepLength(next));
                } catch (Throwable t) {
                    done.completeExceptionally(t);
                }
                if (++next == total) {
                    done.complete(next);
                }
            }
        });
        cb.handler(new ChannelInboundHandlerAdapter());
        Channel reader = NetmapTestPermutation.bind(sb);
        Channel writer = NetmapTestPermutation.bind(cb);
        try {
            ChannelFuture before = writer.write(frame(writer.alloc(), 0, sweepLength(0)));
            ChannelFuture failing = writer.write((NetmapTxBatch) slots -> {
                throw new IllegalStateException("test batch failure");
            });
            ChannelFuture batch = writer.write(new SequenceBatch(1, BATCH_FRAMES));
            ChannelFuture after = writer.writeAndFlush(frame(writer.alloc(), total - 1, sweepLength(total - 1)));
            assertEquals(total, done.get(30, TimeUnit.SECONDS));
            assertTrue(before.sync().isSuccess());
            assertInstanceOf(IllegalStateException.class, failing.await().cause());
            assertTrue(batch.sync().isSuccess());
            assertTrue(after.sync().isSuccess());
        } finally {
            writer.close().sync();
            reader.close().sync();
        }
    }

    @Test
    void testCloseWhenTheLastFrameIsSent(TestInfo testInfo) throws Throwable {
        run(testInfo, this::testCloseWhenTheLastFrameIsSent);
    }

    /**
     * A finite send, closed from its last write's listener (what the README shows): a batch that
     * returns true, then (on a second channel) plain per-frame writes whose last one carries the
     * listener. The close waits for the flush that completed the promise, so every frame arrives.
     */
    void testCloseWhenTheLastFrameIsSent(Bootstrap sb, Bootstrap cb) throws Throwable {
        for (boolean batch : new boolean[] {true, false}) {
            int total = batch ? BATCH_FRAMES : 3000;
            CompletableFuture<Integer> done = new CompletableFuture<>();
            int[] received = {0};
            sb.handler(new SimpleChannelInboundHandler<ByteBuf>() {
                private int next;

                @Override
                protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                    try {
                        assertFrame(msg, next, sweepLength(next));
                    } catch (Throwable t) {
                        done.completeExceptionally(t);
                    }
                    received[0] = ++next;
                    if (next == total) {
                        done.complete(next);
                    }
                }
            });
            cb.handler(new ChannelInboundHandlerAdapter());
            Channel reader = NetmapTestPermutation.bind(sb);
            Channel writer = NetmapTestPermutation.bind(cb);
            try {
                if (batch) {
                    writer.writeAndFlush(new SequenceBatch(0, total)).addListener(ChannelFutureListener.CLOSE);
                } else {
                    writer.eventLoop().execute(() -> {
                        for (int i = 0; i < total - 1; i++) {
                            writer.write(frame(writer.alloc(), i, sweepLength(i)), writer.voidPromise());
                        }
                        writer.writeAndFlush(frame(writer.alloc(), total - 1, sweepLength(total - 1)))
                                .addListener(ChannelFutureListener.CLOSE);
                    });
                }
                assertTrue(writer.closeFuture().await(30, TimeUnit.SECONDS), "the writer closed after its last frame");
                try {
                    assertEquals(total, done.get(30, TimeUnit.SECONDS), batch ? "batch" : "per-frame writes");
                } catch (TimeoutException e) {
                    throw new AssertionError((batch ? "batch" : "per-frame writes") + ": the reader got "
                            + received[0] + " of " + total + " frames", e);
                }
            } finally {
                writer.close().sync();
                reader.close().sync();
            }
        }
    }

    /** Writes frames {@code first .. first+count-1} of the size sweep straight into the slots. */
    private static final class SequenceBatch implements NetmapTxBatch {
        private final byte[] scratch = new byte[MAX_FRAME];
        private int next;
        private final int end;

        SequenceBatch(int first, int count) {
            this.next = first;
            this.end = first + count;
        }

        @Override
        public boolean fill(NetmapTxSlots slots) {
            MemorySegment region = slots.region();
            while (next < end && slots.remaining() > 0) {
                int length = sweepLength(next);
                AbstractNetmapFrameTest.fill(scratch, next);
                MemorySegment.copy(scratch, 0, region, JAVA_BYTE, slots.bufferOffset(), length);
                slots.commit(length);
                next++;
            }
            return next == end;
        }
    }
}
