package io.netmap4j.netty.testsuite;

import io.netmap4j.kernel.KernelBackend;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Monitor ports of a netmap kernel as channels, on a kernel pipe and a kernel VALE switch:
 * {@code /t} and {@code /r} see copies of what a port sends and receives, {@code /z} sees frames
 * once consumed. Skipped where /dev/netmap is not usable. {@link NetmapUserMonitorTest} runs the
 * same on the user backend.
 */
class NetmapKernelMonitorTest {
    private static final int FRAMES = 100;
    private static EventLoopGroup group;
    private final List<Channel> channels = new ArrayList<>();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void setUp() {
        group = NetmapTestPermutation.newGroup();
    }

    /** The backend under test (a BACKEND option value). */
    String backend() {
        return "kernel";
    }

    @BeforeEach
    void needsTheBackend() {
        assumeTrue(KernelBackend.INSTANCE.isAvailable(), () -> "netmap kernel module not usable here: "
                + KernelBackend.INSTANCE.unavailabilityCause().getMessage());
    }

    @AfterAll
    static void tearDown() throws InterruptedException {
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    @AfterEach
    void closeAll() throws InterruptedException {
        assertTrue(failures.isEmpty(), "damaged frames: " + failures);
        for (int i = channels.size() - 1; i >= 0; i--) {
            channels.get(i).close().sync();
        }
    }

    private Channel bind(String name, ConcurrentLinkedQueue<Integer> seen, boolean autoRead) throws InterruptedException {
        Channel ch = new Bootstrap().group(group).channel(NetmapChannel.class)
                .option(NetmapChannelOption.BACKEND, backend()).option(ChannelOption.AUTO_READ, autoRead)
                .handler(seen == null ? new ChannelInboundHandlerAdapter() : new SimpleChannelInboundHandler<ByteBuf>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
                        int seq = frame.getInt(frame.readerIndex());
                        try {
                            AbstractNetmapFrameTest.assertFrame(frame, seq, 60 + seq % 64);
                        } catch (AssertionError e) {
                            failures.add(name + ": " + e.getMessage());
                        }
                        seen.add(seq);
                    }
                })
                .bind(NetmapAddress.of(name)).sync().channel();
        channels.add(ch);
        return ch;
    }

    private static void send(Channel ch) {
        send(ch, 0, FRAMES);
    }

    private static void send(Channel ch, int from, int to) {
        for (int i = from; i < to; i++) {
            ch.write(AbstractNetmapFrameTest.frame(ch.alloc(), i, 60 + i % 64));
        }
        ch.flush();
    }

    private static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(10);
        }
    }

    private static List<Integer> sequence() {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < FRAMES; i++) {
            l.add(i);
        }
        return l;
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void copyMonitorsSeeWhatAnEndSendsAndWhatTheOtherReceives() throws Exception {
        String pipe = NetmapTestPermutation.newPipeName();
        ConcurrentLinkedQueue<Integer> atPeer = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Integer> sent = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Integer> received = new ConcurrentLinkedQueue<>();
        Channel a = bind(pipe + "{1", null, true);
        bind(pipe + "}1", atPeer, true);
        bind(pipe + "{1/t", sent, true);
        bind(pipe + "}1/r", received, true);
        send(a);
        await("frames at the peer " + atPeer + ", the /t monitor " + sent + ", the /r monitor " + received,
                () -> atPeer.size() == FRAMES && sent.size() == FRAMES && received.size() == FRAMES);
        assertEquals(sequence(), List.copyOf(atPeer));
        assertEquals(sequence(), List.copyOf(sent), "the TX monitor saw copies of every frame, in order");
        assertEquals(sequence(), List.copyOf(received), "the RX monitor too");
    }

    /**
     * netmap's zero-copy monitors see frames once they have been consumed: sent frames when
     * their TX slots come back, received ones when the consumer releases them; the buffers are
     * swapped, not copied, and frames the monitor has no room for are dropped for it alone.
     */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void aZeroCopyMonitorSeesFramesOnceConsumed() throws Exception {
        String pipe = NetmapTestPermutation.newPipeName();
        ConcurrentLinkedQueue<Integer> atPeer = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Integer> monitored = new ConcurrentLinkedQueue<>();
        Channel a = bind(pipe + "{1", null, true);
        bind(pipe + "}1", atPeer, true);
        bind(pipe + "{1/z", monitored, true);
        send(a);
        await("frames at the peer " + atPeer, () -> atPeer.size() == FRAMES);
        assertEquals(sequence(), List.copyOf(atPeer));
        send(a, FRAMES, FRAMES + 1); // its txsync takes back the slots of the first FRAMES
        await("frames at the monitor " + monitored, () -> monitored.size() >= FRAMES);
        assertEquals(sequence(), List.copyOf(monitored).subList(0, FRAMES), "the monitor saw them whole and in order");
    }

    /**
     * Copy monitors of VALE ports see exactly the traffic of their port: what a sends (with
     * nothing else a sends), what b receives, in order and intact.
     */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void copyMonitorsOfValePortsSeeExactlyTheirTraffic() throws Exception {
        String sw = NetmapTestPermutation.newSwitchName();
        ConcurrentLinkedQueue<Integer> atB = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Integer> sentByA = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Integer> receivedByB = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Integer> receivedByA = new ConcurrentLinkedQueue<>();
        Channel a = bind(sw + ":a", receivedByA, true);
        bind(sw + ":b", atB, true);
        bind(sw + ":a/t", sentByA, true);
        bind(sw + ":b/r", receivedByB, true);
        ConcurrentLinkedQueue<Integer> seenByARx = new ConcurrentLinkedQueue<>();
        bind(sw + ":a/r", seenByARx, true);
        send(a);
        await("frames at b " + atB + ", the /t monitor of a " + sentByA + ", the /r monitor of b " + receivedByB,
                () -> atB.size() == FRAMES && sentByA.size() == FRAMES && receivedByB.size() == FRAMES);
        assertEquals(sequence(), List.copyOf(atB));
        assertEquals(sequence(), List.copyOf(sentByA), "the TX monitor saw a's frames, in order");
        assertEquals(sequence(), List.copyOf(receivedByB), "the RX monitor saw b's, in order");
        Thread.sleep(200);
        assertEquals(List.of(), List.copyOf(receivedByA), "a received nothing (no frame goes back to its sender)");
        assertEquals(List.of(), List.copyOf(seenByARx), "so its RX monitor saw nothing either");
        assertEquals(FRAMES, sentByA.size(), "and nothing more than what a sent");
    }
}
