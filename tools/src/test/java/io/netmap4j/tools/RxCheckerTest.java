package io.netmap4j.tools;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The receiver's bookkeeping: loss, order, and frames that are not this tool's. */
class RxCheckerTest {
    private static ByteBuf ours(long seq) {
        ByteBuf b = Unpooled.wrappedBuffer(FrameTemplate.standard(60).bytes().clone());
        b.setLong(FrameTemplate.SEQUENCE_OFFSET, seq);
        return b;
    }

    /** What netmap's C pkt-gen sends by default: the same addresses and ports, its own payload. */
    private static ByteBuf foreign() {
        byte[] bytes = FrameTemplate.standard(60).bytes().clone();
        byte[] text = "netmap pkt-gen DIRECT payload".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, bytes, FrameTemplate.HEADERS, bytes.length - FrameTemplate.HEADERS);
        return Unpooled.wrappedBuffer(bytes);
    }

    @Test
    void countsLossOrderAndForeignFramesApart() {
        RateMeter meter = new RateMeter("rx");
        RxChecker checker = new RxChecker(meter, 0);
        EmbeddedChannel ch = new EmbeddedChannel(checker);
        ch.writeInbound(ours(0), ours(1), foreign(), ours(3), ours(2), Unpooled.wrappedBuffer(new byte[40]), ours(4));
        ch.pipeline().fireChannelReadComplete();
        assertEquals(7, meter.frames());
        assertEquals(1, checker.lost(), "frame 2 was skipped when 3 came");
        assertEquals(1, checker.outOfOrder(), "then 2 came late");
        assertEquals(2, checker.foreign(), "a C pkt-gen frame and a runt are not read as sequence numbers");
        ch.finishAndReleaseAll();
    }
}
