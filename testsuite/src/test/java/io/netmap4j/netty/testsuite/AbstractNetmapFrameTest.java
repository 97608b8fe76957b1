package io.netmap4j.netty.testsuite;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.testsuite.transport.AbstractComboTestsuiteTest;
import io.netty.testsuite.transport.TestsuitePermutation;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;

import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Base of the frame-channel tests: every test runs over each pair of {@link NetmapTestPermutation}
 * and each of Netty's test allocators. "sb" and "cb" are the two ends (netmap has no server side).
 * Frames carry their sequence number and a pattern derived from it, so a test can check order and
 * content of everything it receives.
 */
abstract class AbstractNetmapFrameTest extends AbstractComboTestsuiteTest<Bootstrap, Bootstrap> {
    static final int MIN_FRAME = 60;
    static final int MAX_FRAME = 1514;

    private static EventLoopGroup group;

    @BeforeAll
    static void startGroup() {
        group = NetmapTestPermutation.newGroup();
    }

    @AfterAll
    static void stopGroup() throws InterruptedException {
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        NetmapTestPermutation.removeVethPairs();
    }

    /** The event loops of this test class. */
    static EventLoopGroup group() {
        return group;
    }

    @Override
    protected List<BootstrapComboFactory<Bootstrap, Bootstrap>> newFactories() {
        return NetmapTestPermutation.pairs(group);
    }

    @Override
    protected void configure(Bootstrap sb, Bootstrap cb, ByteBufAllocator allocator) {
        sb.option(ChannelOption.ALLOCATOR, allocator);
        cb.option(ChannelOption.ALLOCATOR, allocator);
    }

    /** Frame {@code seq} of {@code length} bytes, in a buffer of a random kind (heap, direct, composite). */
    static ByteBuf frame(ByteBufAllocator alloc, int seq, int length) {
        byte[] data = new byte[length];
        fill(data, seq);
        return TestsuitePermutation.randomBufferType(alloc, data, 0, length);
    }

    static void fill(byte[] data, int seq) {
        data[0] = (byte) (seq >>> 24);
        data[1] = (byte) (seq >>> 16);
        data[2] = (byte) (seq >>> 8);
        data[3] = (byte) seq;
        for (int i = 4; i < data.length; i++) {
            data[i] = (byte) (seq * 31 + i);
        }
    }

    /** The length the i-th frame of a size sweep has: every size from 60 to 1514, then again. */
    static int sweepLength(int i) {
        return MIN_FRAME + i % (MAX_FRAME - MIN_FRAME + 1);
    }

    /** Checks that {@code buf} is frame {@code seq} of {@code length} bytes (does not release it). */
    static void assertFrame(ByteBuf buf, int seq, int length) {
        assertEquals(length, buf.readableBytes(), "length of frame " + seq);
        int base = buf.readerIndex();
        assertEquals(seq, buf.getInt(base), "sequence number");
        for (int i = 4; i < length; i++) {
            if (buf.getByte(base + i) != (byte) (seq * 31 + i)) {
                throw new AssertionError("frame " + seq + " differs at byte " + i);
            }
        }
    }
}
