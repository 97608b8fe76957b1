package io.netmap4j.netty.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A writer facing a reader that does not read: once the rings are full the writer becomes
 * unwritable (and its frames pile up against the watermarks); when the reader starts reading, the
 * writer becomes writable again and every frame arrives, in order.
 */
class NetmapWritabilityTest extends AbstractNetmapFrameTest {
    /**
     * Pipes only: a pipe pushes back on its writer when the reader stops reading; a VALE switch
     * does not (it drops what the reader's full ring cannot hold, as netmap's does), nor does a NIC
     * (the link takes the frames and the receiving NIC drops what its full ring cannot hold).
     */
    @Override
    protected List<BootstrapComboFactory<Bootstrap, Bootstrap>> newFactories() {
        return NetmapTestPermutation.pipePairs(group());
    }

    @Test
    void testUnwritableUntilReaderCatchesUp(TestInfo testInfo) throws Throwable {
        run(testInfo, this::testUnwritableUntilReaderCatchesUp);
    }

    void testUnwritableUntilReaderCatchesUp(Bootstrap sb, Bootstrap cb) throws Throwable {
        CompletableFuture<Integer> received = new CompletableFuture<>();
        int[] expected = {-1};
        sb.option(ChannelOption.AUTO_READ, false).handler(new SimpleChannelInboundHandler<ByteBuf>() {
            private int next;

            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                if (msg.getInt(0) != next) {
                    received.completeExceptionally(new AssertionError("got frame " + msg.getInt(0) + ", expected " + next));
                }
                next++;
                if (next == expected[0]) {
                    received.complete(next);
                }
            }
        });
        CountDownLatch writableAgain = new CountDownLatch(1);
        cb.option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(4096, 8192))
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                        if (ctx.channel().isWritable()) {
                            writableAgain.countDown();
                        }
                    }
                });
        Channel reader = NetmapTestPermutation.bind(sb);
        Channel writer = NetmapTestPermutation.bind(cb);
        try {
            // Write until the channel says stop; the rings hold a bounded number of frames, so this ends.
            int sent = writer.eventLoop().submit(() -> {
                int n = 0;
                while (writer.isWritable()) {
                    writer.writeAndFlush(frame(writer.alloc(), n, 100));
                    n++;
                    if (n > 1_000_000) {
                        throw new AssertionError("still writable after a million frames to a reader that does not read");
                    }
                }
                return n;
            }).get(30, TimeUnit.SECONDS);
            assertFalse(writer.isWritable());
            assertTrue(writer.unsafe().outboundBuffer().totalPendingWriteBytes() > 0,
                    "frames wait in the outbound buffer while the rings are full");
            expected[0] = sent;
            reader.eventLoop().execute(() -> reader.config().setAutoRead(true));
            assertTrue(writableAgain.await(30, TimeUnit.SECONDS), "writer never became writable again");
            assertEquals(sent, received.get(30, TimeUnit.SECONDS));
            assertNull(writer.eventLoop().submit(() -> {
                assertEquals(0, writer.unsafe().outboundBuffer().totalPendingWriteBytes());
                return null;
            }).get(10, TimeUnit.SECONDS));
        } finally {
            writer.close().sync();
            reader.close().sync();
        }
    }
}
