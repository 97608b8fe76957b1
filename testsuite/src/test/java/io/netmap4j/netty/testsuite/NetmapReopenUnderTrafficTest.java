package io.netmap4j.netty.testsuite;

import io.netmap4j.netty.NetmapTxBatch;
import io.netmap4j.netty.NetmapTxSlots;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One end of a pipe closed and bound again, over and over, while the other end sends without a
 * pause. The receiving channel closes itself from {@code channelRead}, in the middle of a read
 * batch, so the frames it read since the last rxsync were never released to the pipe. netmap
 * keeps a reopened end's rings as the last user left them, so the next channel continues exactly
 * after the last frame its predecessor saw: every frame arrives once, in order, intact. (A
 * backend that reset the reopened rings to the last sync would deliver those frames a second
 * time, in nearly every cycle.)
 */
class NetmapReopenUnderTrafficTest extends AbstractNetmapFrameTest {
    private static final int CYCLES = 60;
    private static final int LENGTH = MIN_FRAME;

    /**
     * Pipes only: a pipe end opened again keeps its rings as the last user left them, which is
     * what this tests; a VALE port that its last user closed is gone, with what was in its rings,
     * and a NIC drops what arrives while nobody is bound, so there is nothing to resume.
     */
    @Override
    protected List<BootstrapComboFactory<Bootstrap, Bootstrap>> newFactories() {
        return NetmapTestPermutation.pipePairs(group());
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everyFrameArrivesOnceAcrossReopens(TestInfo info) throws Throwable {
        run(info, this::everyFrameArrivesOnceAcrossReopens);
    }

    void everyFrameArrivesOnceAcrossReopens(Bootstrap sb, Bootstrap cb) throws Throwable {
        Channel sender = NetmapTestPermutation.bind(sb.handler(new ChannelInboundHandlerAdapter()));
        Expect expect = new Expect();
        Random random = new Random(42);
        try {
            sender.writeAndFlush(new Generator());
            for (int cycle = 0; cycle < CYCLES; cycle++) {
                int closeAfter = 1 + random.nextInt(300);
                Channel receiver = NetmapTestPermutation.bind(cb.clone().handler(new Reader(expect, closeAfter)));
                assertTrue(receiver.closeFuture().await(10, TimeUnit.SECONDS),
                        "cycle " + cycle + ": the receiver did not get " + closeAfter + " frames; "
                                + expect.next + " frames so far");
                assertNull(expect.failure.get(), () -> "cycle " + expect.cycles + ": " + expect.failure.get());
                expect.cycles++;
            }
        } finally {
            sender.close().sync();
        }
        assertNull(expect.failure.get());
        assertEquals(CYCLES, expect.cycles);
    }

    /** What the next frame must be, shared by the receivers of all cycles (one at a time). */
    private static final class Expect {
        volatile int next;
        volatile int cycles;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
    }

    /** Checks each frame against the next expected one and closes its channel after {@code closeAfter}. */
    private static final class Reader extends SimpleChannelInboundHandler<ByteBuf> {
        private final Expect expect;
        private final int closeAfter;
        private int seen;

        Reader(Expect expect, int closeAfter) {
            this.expect = expect;
            this.closeAfter = closeAfter;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            try {
                assertFrame(frame, expect.next, LENGTH);
            } catch (Throwable t) {
                expect.failure.compareAndSet(null, t);
                ctx.close();
                return;
            }
            expect.next++;
            if (++seen == closeAfter) {
                ctx.close(); // mid-batch: what was read since the last sync is not released yet
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            expect.failure.compareAndSet(null, cause);
            ctx.close();
        }
    }

    /** Frames 0, 1, 2, ... written in place for as long as the channel lives. */
    private static final class Generator implements NetmapTxBatch {
        private final byte[] scratch = new byte[LENGTH];
        private int next;

        @Override
        public boolean fill(NetmapTxSlots slots) {
            MemorySegment region = slots.region();
            while (slots.remaining() > 0) {
                AbstractNetmapFrameTest.fill(scratch, next++);
                MemorySegment.copy(scratch, 0, region, JAVA_BYTE, slots.bufferOffset(), LENGTH);
                slots.commit(LENGTH);
            }
            return false;
        }
    }
}
