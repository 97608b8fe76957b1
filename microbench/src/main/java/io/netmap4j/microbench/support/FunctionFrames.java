package io.netmap4j.microbench.support;

import io.netmap4j.handler.frame.FrameBuilder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;

import java.nio.ByteBuffer;
import java.util.Random;

/**
 * The traffic and the rule table of the network-function benchmarks: 64-byte IPv4 UDP and TCP
 * frames over many flows, and 100 rules of which the first 99 are specific and rarely hit, so
 * most frames are decided by the last rule (the worst case for a rule scan).
 */
public final class FunctionFrames {
    /** Distinct frames cycled through (more than fit a small cache of decisions). */
    public static final int COUNT = 1024;
    public static final int SIZE = 64;

    private FunctionFrames() {
    }

    /** {@link #COUNT} distinct 64-byte frames, fixed by the seed. */
    public static byte[][] frames() {
        Random r = new Random(42);
        byte[][] f = new byte[COUNT][];
        for (int i = 0; i < COUNT; i++) {
            String src = "10." + r.nextInt(200) + "." + r.nextInt(256) + "." + (1 + r.nextInt(254));
            String dst = "192.168." + r.nextInt(256) + "." + (1 + r.nextInt(254));
            FrameBuilder b = new FrameBuilder().ipv4(src, dst);
            int sp = 1024 + r.nextInt(60000);
            int dp = new int[] {53, 80, 443, 8080, 5000 + r.nextInt(1000)}[r.nextInt(5)];
            if (r.nextBoolean()) {
                b.udp(sp, dp);
            } else {
                b.tcp(sp, dp);
            }
            f[i] = b.frameLength(SIZE).build();
        }
        return f;
    }

    /** 100 rules: 99 narrow deny/count rules, then "allow ip". */
    public static String rules100() {
        Random r = new Random(7);
        StringBuilder sb = new StringBuilder("default deny\n");
        for (int i = 0; i < 99; i++) {
            String action = i % 10 == 9 ? "count" : "deny";
            String proto = r.nextBoolean() ? "tcp" : "udp";
            sb.append(action).append(' ').append(proto)
                    .append(" from 10.").append(200 + r.nextInt(50)).append(".0.0/16")
                    .append(" port ").append(1024 + r.nextInt(1000)).append('-').append(3000 + r.nextInt(1000))
                    .append(" to 192.168.").append(r.nextInt(256)).append(".0/24")
                    .append(" port ").append(new int[] {22, 25, 110, 143, 3306}[r.nextInt(5)]).append('\n');
        }
        sb.append("allow ip\n");
        return sb.toString();
    }

    /** Direct frames that survive release, like the transport's recycled zero-copy RX buffers. */
    public static ByteBuf[] reusableBuffers(byte[][] frames) {
        ByteBuf[] bufs = new ByteBuf[frames.length];
        for (int i = 0; i < frames.length; i++) {
            ByteBuffer nio = ByteBuffer.allocateDirect(2048);
            bufs[i] = new Reusable(nio).clear().writeBytes(frames[i]);
        }
        return bufs;
    }

    /** A direct buffer whose release is a no-op, so one frame can go through a pipeline again and again. */
    private static final class Reusable extends UnpooledDirectByteBuf {
        Reusable(ByteBuffer view) {
            super(ByteBufAllocator.DEFAULT, view, view.capacity());
        }

        @Override
        public boolean release() {
            return false;
        }

        @Override
        public boolean release(int decrement) {
            return false;
        }
    }
}
