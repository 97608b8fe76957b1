package io.netmap4j.tools;

import io.netmap4j.netty.NetmapTxBatch;
import io.netmap4j.netty.NetmapTxSlots;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;

import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * The other side of the udp-reflector: sends numbered UDP frames to ports
 * {@code BASE_PORT .. BASE_PORT + 7} in turn (frame {@code n} to {@code BASE_PORT + n % 8}) as fast
 * as the ring takes them, and checks every frame that comes back: it must be one sent to an even
 * port, turned around (MAC addresses, IP addresses and ports swapped), and come in order. At the
 * end exactly the frames to even ports must have come back.
 */
final class ReflectorDriver extends ChannelInboundHandlerAdapter implements NetmapTxBatch {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long DRAIN_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final ValueLayout.OfLong SEQUENCE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort PORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final int DST_PORT_OFFSET = FrameTemplate.HEADERS - 6;

    private final FrameTemplate template;
    private final long limit;
    private final RateMeter sentMeter = new RateMeter("sent");
    private final RateMeter backMeter = new RateMeter("reflected");
    private long sent;
    private long next;
    private long back;
    private long backBytes;
    private long wrong;
    private String firstWrong;
    private volatile boolean stop;
    private volatile boolean finished;
    private volatile long wrongSnapshot;
    private volatile String firstWrongSnapshot;

    ReflectorDriver(FrameTemplate template, long limit) {
        this.template = template;
        this.limit = limit;
    }

    static int drive(UdpReflector.Options o, EventLoopGroup group, PrintStream out, AtomicBoolean interrupted)
            throws Exception {
        ReflectorDriver driver = new ReflectorDriver(FrameTemplate.standard(o.frameSize()), o.frames());
        Channel ch = UdpReflector.bind(o, group, driver);
        out.println("udp-reflector --drive -i " + o.port() + " -l " + o.frameSize()
                + (o.frames() > 0 ? " -n " + o.frames() : "") + " -T " + o.seconds());
        long start = System.nanoTime();
        driver.sentMeter.start(start);
        driver.backMeter.start(start);
        ch.eventLoop().execute(() -> ch.writeAndFlush(driver, ch.voidPromise()));
        long deadline = o.seconds() > 0 ? start + (long) (o.seconds() * SECOND) : Long.MAX_VALUE;
        long nextTick = start + SECOND;
        long stoppedAt = 0;
        for (;;) {
            LockSupport.parkNanos(Math.max(0, Math.min(TimeUnit.MILLISECONDS.toNanos(20), nextTick - System.nanoTime())));
            long now = System.nanoTime();
            if (now >= nextTick) {
                if (!o.quiet()) {
                    out.println(String.format(Locale.ROOT, "%6.1f s  ", (now - start) / 1e9) + driver.sentMeter.tick(now)
                            + "  |  " + driver.backMeter.tick(now));
                }
                nextTick += SECOND;
            }
            if (stoppedAt == 0 && (now >= deadline || interrupted.get() || driver.finished || !ch.isActive())) {
                driver.stop = true;
                stoppedAt = now;
            }
            if (stoppedAt != 0 && (driver.backMeter.frames() >= expectedBack(driver.sentMeter.frames()) && driver.finished
                    || now - Math.max(stoppedAt, driver.backMeter.lastAddNanos()) > DRAIN_NANOS)) {
                break;
            }
        }
        ch.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        long sent = driver.sentMeter.frames();
        long back = driver.backMeter.frames();
        long expected = expectedBack(sent);
        out.println("--- summary ---");
        out.println(driver.sentMeter.summary((driver.sentMeter.lastAddNanos() - start) / 1e9));
        out.println(driver.backMeter.summary((driver.backMeter.lastAddNanos() - start) / 1e9));
        out.printf(Locale.ROOT, "%d frames sent, %d to even ports; %d came back reflected, %d missing, %d wrong%s%n",
                sent, expected, back, expected - back, driver.wrongSnapshot,
                driver.firstWrongSnapshot == null ? "" : " (first: " + driver.firstWrongSnapshot + ")");
        return back == expected && driver.wrongSnapshot == 0 ? 0 : 1;
    }

    /** Frames among the first {@code sent} that go to an even port: those with an even number. */
    static long expectedBack(long sent) {
        return (sent + 1) / 2;
    }

    @Override
    public boolean fill(NetmapTxSlots slots) {
        if (stop || limit > 0 && sent >= limit) {
            finished = true;
            return true;
        }
        int n = slots.remaining();
        if (limit > 0) {
            n = (int) Math.min(n, limit - sent);
        }
        MemorySegment region = slots.region();
        byte[] bytes = template.bytes();
        int size = bytes.length;
        long seq = sent;
        for (int i = 0; i < n; i++) {
            long off = slots.bufferOffset();
            MemorySegment.copy(bytes, 0, region, JAVA_BYTE, off, size);
            region.set(SEQUENCE, off + FrameTemplate.SEQUENCE_OFFSET, seq);
            region.set(PORT, off + DST_PORT_OFFSET, (short) (UdpReflector.BASE_PORT + (int) (seq % UdpReflector.PORTS)));
            slots.commit(size);
            seq++;
        }
        sentMeter.add(seq - sent, (seq - sent) * size);
        sent = seq;
        return false;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        try {
            back++;
            backBytes += frame.readableBytes();
            String bad = check(frame);
            if (bad != null) {
                if (wrong++ == 0) {
                    firstWrong = bad;
                }
            }
        } finally {
            frame.release();
        }
    }

    /** What is wrong with an answer, or null. */
    private String check(ByteBuf frame) {
        if (frame.readableBytes() != template.size() || !Udp4.isUdp(frame)) {
            return "a frame of " + frame.readableBytes() + " bytes that is not the UDP frame sent";
        }
        long seq = frame.getLong(frame.readerIndex() + FrameTemplate.SEQUENCE_OFFSET);
        int expectedPort = UdpReflector.BASE_PORT + (int) (seq % UdpReflector.PORTS);
        byte[] sentBytes = template.bytes();
        int base = frame.readerIndex();
        for (int i = 0; i < 6; i++) {
            if (frame.getByte(base + i) != sentBytes[6 + i] || frame.getByte(base + 6 + i) != sentBytes[i]) {
                return "frame " + seq + ": MAC addresses not swapped";
            }
        }
        if (Udp4.srcPort(frame) != expectedPort || Udp4.dstPort(frame) != 1234) {
            return "frame " + seq + ": ports " + Udp4.srcPort(frame) + " -> " + Udp4.dstPort(frame) + ", expected "
                    + expectedPort + " -> 1234";
        }
        if ((expectedPort & 1) != 0) {
            return "frame " + seq + " to odd port " + expectedPort + " came back: the filter let it through";
        }
        if (seq != next) {
            return "frame " + seq + " came back where frame " + next + " was expected (lost or out of order)";
        }
        next = seq + 2;
        return null;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        backMeter.add(back, backBytes);
        back = 0;
        backBytes = 0;
        wrongSnapshot = wrong;
        firstWrongSnapshot = firstWrong;
        ctx.fireChannelReadComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // The endless batch fails with ClosedChannelException when the run closes the channel.
    }
}
