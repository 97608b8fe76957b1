package io.netmap4j.netty.testsuite;

import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelCounters;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapJmx;
import io.netmap4j.netty.NetmapTxBatch;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NetmapChannel#counters()}: frames and bytes each way, on which path they went, and each
 * refused write counted by its cause; the same numbers through JMX ({@link NetmapJmx}), until the
 * channel closes. On pipes, where nothing is lost, so the counts are exact.
 */
class NetmapCountersTest extends AbstractNetmapFrameTest {
    private static final int FRAMES = 300;
    private static final int BATCH = 200;

    @Override
    protected List<BootstrapComboFactory<Bootstrap, Bootstrap>> newFactories() {
        return NetmapTestPermutation.pipePairs(group());
    }

    @Test
    void countsWhatCrossesAndWhatIsRefused(TestInfo testInfo) throws Throwable {
        run(testInfo, this::countsWhatCrossesAndWhatIsRefused);
    }

    void countsWhatCrossesAndWhatIsRefused(Bootstrap sb, Bootstrap cb) throws Throwable {
        CountDownLatch received = new CountDownLatch(FRAMES + BATCH);
        sb.handler(new SimpleChannelInboundHandler<ByteBuf>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                received.countDown();
            }
        });
        cb.handler(new ChannelInboundHandlerAdapter());
        NetmapChannel reader = (NetmapChannel) NetmapTestPermutation.bind(sb);
        NetmapChannel writer = (NetmapChannel) NetmapTestPermutation.bind(cb);
        ObjectName name = NetmapJmx.register(reader);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            long bytes = 0;
            for (int i = 0; i < FRAMES; i++) {
                bytes += sweepLength(i);
                writer.write(frame(writer.alloc(), i, sweepLength(i)), writer.voidPromise());
            }
            writer.writeAndFlush((NetmapTxBatch) slots -> {
                for (int i = 0; i < BATCH; i++) {
                    slots.region().set(JAVA_BYTE, slots.bufferOffset(), (byte) i);
                    slots.commit(100);
                }
                return true;
            }).sync();
            bytes += BATCH * 100L;
            assertTrue(received.await(30, TimeUnit.SECONDS), received.getCount() + " frames missing");

            // refused: too large, empty, a type the channel does not take; each fails its own write
            assertFalse(writer.writeAndFlush(writer.alloc().buffer(3000).writeZero(3000)).await().isSuccess());
            assertFalse(writer.writeAndFlush(writer.alloc().buffer(0)).await().isSuccess());
            assertFalse(writer.writeAndFlush("not a frame").await().isSuccess());

            NetmapChannelCounters tx = writer.counters();
            assertEquals(FRAMES + BATCH, tx.txFrames(), tx.toString());
            assertEquals(bytes, tx.txBytes(), tx.toString());
            assertTrue(tx.txDirectFrames() > 0 && tx.txDirectFrames() <= FRAMES, tx.toString());
            assertTrue(tx.txSyncs() > 0, tx.toString());
            assertEquals(1, tx.txRefusedTooLarge(), tx.toString());
            assertEquals(1, tx.txRefusedEmpty(), tx.toString());
            assertEquals(1, tx.txRefusedType(), tx.toString());
            assertEquals(0, tx.txFailed(), tx.toString());

            NetmapChannelCounters rx = awaitRx(reader, FRAMES + BATCH);
            assertEquals(bytes, rx.rxBytes(), rx.toString());
            boolean zeroCopy = reader.config().getOption(NetmapChannelOption.RX_ZERO_COPY);
            assertEquals(zeroCopy ? FRAMES + BATCH : 0, rx.rxZeroCopyFrames(), rx.toString());
            assertEquals(0, rx.rxCopiedFrames() + rx.rxDroppedChains() + rx.portDroppedFrames() + rx.portRingResets()
                    + rx.portLateWakeups(),
                    rx.toString());

            assertEquals((long) FRAMES + BATCH, server.getAttribute(name, "RxFrames"));
            assertEquals(bytes, server.getAttribute(name, "RxBytes"));
            assertEquals(0L, server.getAttribute(name, "DroppedFrames"));
            assertNotNull(server.getAttribute(name, "Counters"));
        } finally {
            writer.close().sync();
            reader.close().sync();
        }
        assertFalse(server.isRegistered(name), "unregistered with the channel's close");
    }

    /** The receiver counts a read once it is done; wait for the last one. */
    private static NetmapChannelCounters awaitRx(Channel ch, long frames) throws InterruptedException {
        NetmapChannelCounters c = ((NetmapChannel) ch).counters();
        for (int i = 0; i < 500 && c.rxFrames() < frames; i++) {
            Thread.sleep(10);
            c = ((NetmapChannel) ch).counters();
        }
        assertEquals(frames, c.rxFrames(), c.toString());
        return c;
    }
}
