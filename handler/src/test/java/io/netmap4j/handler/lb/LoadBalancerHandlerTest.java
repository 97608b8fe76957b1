package io.netmap4j.handler.lb;

import io.netmap4j.handler.frame.FrameBuilder;
import io.netmap4j.handler.frame.FrameView;
import io.netmap4j.handler.testing.RandomFrames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoadBalancerHandlerTest {
    private static byte[] udp(String src, String dst, int sp, int dp) {
        return new FrameBuilder().ipv4(src, dst).udp(sp, dp).build();
    }

    @Test
    void bothDirectionsOfAFlowHashAlike() {
        FrameView v = new FrameView();
        Random r = new Random(5);
        for (int i = 0; i < 600; i++) {
            String a = "10." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256);
            String b = "192.168." + r.nextInt(256) + "." + r.nextInt(256);
            int pa = r.nextInt(65536);
            int pb = r.nextInt(65536);
            FrameBuilder fwd = new FrameBuilder();
            FrameBuilder back = new FrameBuilder();
            if (i % 3 == 0) {
                String a6 = "2001:db8::" + Integer.toHexString(r.nextInt(65536));
                String b6 = "2001:db8:" + Integer.toHexString(1 + r.nextInt(65535)) + "::1";
                fwd.ipv6(a6, b6);
                back.ipv6(b6, a6);
            } else {
                fwd.ipv4(a, b);
                back.ipv4(b, a);
            }
            if (i % 2 == 0) {
                fwd.tcp(pa, pb);
                back.tcp(pb, pa);
            } else {
                fwd.udp(pa, pb);
                back.udp(pb, pa);
            }
            long h1 = SymmetricFlowHash.hash(v.wrap(Unpooled.wrappedBuffer(fwd.build())));
            long h2 = SymmetricFlowHash.hash(v.wrap(Unpooled.wrappedBuffer(back.build())));
            assertEquals(h1, h2, "flow " + i);
        }
        // Same addresses, other ports, other protocol: other flows.
        long x = SymmetricFlowHash.hash(v.wrap(Unpooled.wrappedBuffer(udp("10.0.0.1", "10.0.0.2", 1000, 2000))));
        long y = SymmetricFlowHash.hash(v.wrap(Unpooled.wrappedBuffer(udp("10.0.0.1", "10.0.0.2", 1000, 2001))));
        long z = SymmetricFlowHash.hash(v.wrap(Unpooled.wrappedBuffer(
                new FrameBuilder().ipv4("10.0.0.1", "10.0.0.2").tcp(1000, 2000).build())));
        assertTrue(x != y && x != z);
    }

    @Test
    void flowsSpreadEvenlyOverTheOutputs() {
        FrameView v = new FrameView();
        int[] buckets = new int[4];
        int flows = 8000;
        Random r = new Random(9);
        for (int i = 0; i < flows; i++) {
            byte[] f = udp("10.0." + r.nextInt(256) + "." + r.nextInt(256), "10.1.0." + r.nextInt(8), 1024 + r.nextInt(60000), 53);
            buckets[SymmetricFlowHash.bucket(SymmetricFlowHash.hash(v.wrap(Unpooled.wrappedBuffer(f))), 4)]++;
        }
        for (int b : buckets) {
            assertTrue(Math.abs(b - flows / 4) < flows / 40, "uneven spread: " + java.util.Arrays.toString(buckets));
        }
    }

    @Test
    void fragmentsNonIpAndMalformedFramesGoToTheDefaultOutput() {
        EmbeddedChannel[] outs = new EmbeddedChannel[3];
        for (int i = 0; i < outs.length; i++) {
            outs[i] = new EmbeddedChannel();
        }
        LoadBalancerHandler lb = new LoadBalancerHandler(outs, 2);
        EmbeddedChannel in = new EmbeddedChannel(lb);
        ByteBuf frag = Unpooled.wrappedBuffer(new FrameBuilder().ipv4("10.0.0.1", "10.0.0.2").fragment(0, true)
                .udp(1, 2).payloadLength(40).build());
        ByteBuf arp = Unpooled.wrappedBuffer(new FrameBuilder().arp(1, 2, "10.0.0.1", 0, "10.0.0.2").build());
        ByteBuf runt = Unpooled.wrappedBuffer(new byte[12]);
        in.writeInbound(frag, arp, runt);
        deliver(in, outs);
        assertSame(frag, outs[2].readOutbound());
        assertSame(arp, outs[2].readOutbound());
        assertSame(runt, outs[2].readOutbound());
        assertEquals(3, lb.unhashedFrames());
        int hashed = 0;
        for (byte[] f : RandomFrames.untagged(1, 300)) {
            FrameView v = new FrameView().wrap(Unpooled.wrappedBuffer(f));
            int expected = lb.outputFor(v);
            in.writeInbound(Unpooled.wrappedBuffer(f));
            deliver(in, outs);
            int k = expected < 0 ? 2 : expected;
            ByteBuf got = outs[k].readOutbound();
            assertEquals(Unpooled.wrappedBuffer(f), got, v.describe());
            got.release();
            hashed += expected >= 0 ? 1 : 0;
        }
        assertTrue(hashed > 200, "only " + hashed + " of 300 frames were hashed");
        long[] per = lb.framesPerOutput();
        assertEquals(303, per[0] + per[1] + per[2]);
        in.finishAndReleaseAll();
        for (Channel c : outs) {
            ((EmbeddedChannel) c).finishAndReleaseAll();
        }
        assertThrows(IllegalArgumentException.class, () -> new LoadBalancerHandler(outs, 3));
    }

    /**
     * Each EmbeddedChannel has a loop of its own, so the outputs' writes travel as tasks (as to a
     * target on another event loop): run them, then the source's task that releases the batch.
     */
    private static void deliver(EmbeddedChannel in, EmbeddedChannel[] outs) {
        for (EmbeddedChannel out : outs) {
            out.runPendingTasks();
        }
        in.runPendingTasks();
    }
}
