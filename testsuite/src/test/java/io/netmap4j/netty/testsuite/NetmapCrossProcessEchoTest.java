package io.netmap4j.netty.testsuite;

import io.netmap4j.NetmapPorts;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapTxBatch;
import io.netmap4j.netty.NetmapTxSlots;
import io.netmap4j.user.UserBackend;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.BufferedReader;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.netmap4j.netty.testsuite.AbstractNetmapFrameTest.MAX_FRAME;
import static io.netmap4j.netty.testsuite.AbstractNetmapFrameTest.MIN_FRAME;
import static io.netmap4j.netty.testsuite.AbstractNetmapFrameTest.assertFrame;
import static io.netmap4j.netty.testsuite.AbstractNetmapFrameTest.sweepLength;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The pipe permutation across processes: the peer channel lives in another JVM
 * ({@link NetmapEchoPeer}, which echoes every frame), this JVM binds the other end with a
 * {@link Bootstrap}. A bootstrap cannot cross a process, hence a test class of its own rather
 * than a {@link NetmapTestPermutation} pair. Frames carry a sequence number and a pattern (as in
 * {@link AbstractNetmapFrameTest}), so order and content of everything echoed are checked.
 */
class NetmapCrossProcessEchoTest {
    /** Two rounds of every frame size from 60 to 1514 bytes, sent as ordinary messages. */
    private static final int SWEEP = 2 * (MAX_FRAME - MIN_FRAME + 1);
    /** Then small frames through one {@link NetmapTxBatch}. */
    private static final int BURST = 100_000;
    private static final int TOTAL = SWEEP + BURST;

    private static EventLoopGroup group;

    private final List<Peer> peers = new ArrayList<>();
    private final List<Channel> channels = new ArrayList<>();

    @BeforeAll
    static void startGroup() {
        group = NetmapTestPermutation.newGroup();
    }

    @AfterAll
    static void stopGroup() throws InterruptedException {
        group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
    }

    /** Whatever a test left: its channels closed, its children killed and reaped. */
    @AfterEach
    void cleanUp() throws InterruptedException {
        for (Channel ch : channels) {
            ch.close().await(5, TimeUnit.SECONDS);
        }
        for (Peer p : peers) {
            p.process.destroyForcibly();
            p.process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Length of frame {@code seq}: the size sweep, then small frames of 60 to 123 bytes. */
    static int length(int seq) {
        return seq < SWEEP ? sweepLength(seq) : MIN_FRAME + seq % 64;
    }

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void everyFrameComesBackInOrderAndIntact() throws Throwable {
        String name = NetmapTestPermutation.newPipeName();
        Peer peer = startPeer(name + "}1");
        Checker checker = new Checker(TOTAL);
        Channel ch = bind(name + "{1", checker);

        for (int i = 0; i < SWEEP; i++) {
            ch.write(AbstractNetmapFrameTest.frame(ch.alloc(), i, length(i)));
            if (i % 100 == 99) {
                ch.flush();
            }
        }
        ChannelFuture burst = ch.writeAndFlush(new SequenceBatch(SWEEP, BURST));

        assertEquals(TOTAL, checker.await(checker.done), "frames echoed");
        assertTrue(burst.sync().isSuccess());
        ch.close().sync();
        peer.closeCleanly();
        peer.assertNoTrouble();
    }

    /**
     * The VALE permutation across processes: two ports of one switch, this JVM's and the echo
     * peer's. A switch does not push back on a sender (it drops what a full receiver cannot hold),
     * so frames go in windows that fit the rings, each sent once the last came back: every frame
     * then comes back, in order and intact, through the switch twice.
     */
    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void everyFrameComesBackThroughAValeSwitch() throws Throwable {
        String sw = NetmapTestPermutation.newSwitchName();
        Peer peer = startPeer(sw + ":echo@conf:slots=4096");
        int total = SWEEP + 20_000;
        Checker checker = new Checker(total);
        Channel ch = bind(sw + ":us@conf:slots=4096", checker);
        sendSweep(ch, 0, SWEEP); // 2910 frames: fewer than a ring holds
        checker.await(checker.reached(SWEEP));
        for (int first = SWEEP; first < total; first += 2000) {
            ChannelFuture window = ch.writeAndFlush(new SequenceBatch(first, 2000));
            checker.await(checker.reached(first + 2000));
            assertTrue(window.sync().isSuccess());
        }
        assertEquals(total, checker.await(checker.done), "frames echoed");
        ch.close().sync();
        peer.closeCleanly();
        peer.assertNoTrouble();
    }

    /**
     * A user-backend promise: netmap's kernel pipes say nothing when the process at the other end
     * dies (its descriptor is closed as by close(2), and the end waits, as after a clean close, for
     * a new user), so there the channel stays open and its TX ring fills up.
     */
    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void killingThePeerClosesThisChannelWithinTwoSeconds() throws Throwable {
        assumeTrue(NetmapPorts.defaultBackend() instanceof UserBackend,
                "peer-death detection is a promise of the user backend; kernel pipes do not report it");
        String name = NetmapTestPermutation.newPipeName();
        Peer peer = startPeer(name + "}1");
        Checker checker = new Checker(Integer.MAX_VALUE);
        Channel ch = bind(name + "{1", checker);
        // a generator: never done, so traffic flows until the peer dies
        ChannelFuture generator = ch.writeAndFlush(new SequenceBatch(0, Integer.MAX_VALUE));
        checker.await(checker.reached(10_000));

        long killed = System.nanoTime();
        peer.process.destroyForcibly(); // SIGKILL: the peer closes nothing
        boolean closed = ch.closeFuture().await(2, TimeUnit.SECONDS);
        long millis = (System.nanoTime() - killed) / 1_000_000;

        assertTrue(closed, "this channel is still open " + millis + " ms after the peer was killed");
        assertTrue(generator.await(2, TimeUnit.SECONDS), "the generator's write is still pending");
        assertNotNull(generator.cause(), "the generator's write failed with the channel");
        assertNull(checker.failure.get(), "frames echoed before the kill were intact and in order");
        assertTrue(peer.process.waitFor(10, TimeUnit.SECONDS));
    }

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void aPeerThatClosesCleanlyLeavesThisChannelWorking() throws Throwable {
        String name = NetmapTestPermutation.newPipeName();
        int half = SWEEP / 2;
        Checker checker = new Checker(SWEEP);
        Peer first = startPeer(name + "}1");
        Channel ch = bind(name + "{1", checker);
        sendSweep(ch, 0, half);
        checker.await(checker.reached(half));

        first.closeCleanly();
        first.assertNoTrouble();
        assertTrue(ch.isActive(), "this channel closed with its peer");

        // the end the first peer closed opens again in a new process, and the pipe goes on
        Peer second = startPeer(name + "}1");
        sendSweep(ch, half, SWEEP);
        assertEquals(SWEEP, checker.await(checker.done), "frames echoed");
        assertTrue(ch.isActive());
        assertFalse(ch.closeFuture().isDone());
        ch.close().sync();
        second.closeCleanly();
        second.assertNoTrouble();
    }

    private static void sendSweep(Channel ch, int from, int to) {
        for (int i = from; i < to; i++) {
            ch.write(AbstractNetmapFrameTest.frame(ch.alloc(), i, length(i)));
            if (i % 100 == 99) {
                ch.flush();
            }
        }
        ch.flush();
    }

    private Channel bind(String name, Checker checker) throws InterruptedException {
        Channel ch = new Bootstrap().group(group).channel(NetmapChannel.class).handler(checker)
                .bind(NetmapAddress.of(name)).sync().channel();
        channels.add(ch);
        return ch;
    }

    private Peer startPeer(String name) throws Exception {
        Peer peer = new Peer(NetmapEchoPeer.start(name));
        peers.add(peer);
        peer.awaitLine("READY", 120); // a JVM start, which an emulated guest makes slow
        return peer;
    }

    /**
     * Receives the echoed frames and checks each against the one expected next. Completes
     * {@link #done} with the count once {@code expected} arrived, or with the first problem.
     */
    private static final class Checker extends SimpleChannelInboundHandler<ByteBuf> {
        private static final int STALL_SECONDS = 15;
        final CompletableFuture<Integer> done = new CompletableFuture<>();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final AtomicInteger next = new AtomicInteger();
        private final int expected;
        private volatile int waitFor = -1;
        private volatile CompletableFuture<Void> reached;

        Checker(int expected) {
            this.expected = expected;
        }

        /**
         * Waits for {@code f} as long as frames keep coming: a stall of {@value #STALL_SECONDS} s
         * fails, with the count so far. (A fixed deadline would fail on slow machines, such as an
         * emulated guest, where the same traffic takes many times longer.)
         */
        <T> T await(CompletableFuture<T> f) throws Exception {
            int seen = next.get();
            long lastProgress = System.nanoTime();
            while (true) {
                try {
                    return f.get(1, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    int now = next.get();
                    if (now != seen) {
                        seen = now;
                        lastProgress = System.nanoTime();
                    } else if (System.nanoTime() - lastProgress > TimeUnit.SECONDS.toNanos(STALL_SECONDS)) {
                        throw new AssertionError("no frame came back for " + STALL_SECONDS + " s; " + now
                                + " of " + expected + " arrived", e);
                    }
                }
            }
        }

        /** Completes once {@code count} frames came back intact. */
        CompletableFuture<Void> reached(int count) {
            CompletableFuture<Void> f = new CompletableFuture<>();
            reached = f;
            waitFor = count;
            if (next.get() >= count) {
                f.complete(null);
            }
            done.whenComplete((n, t) -> {
                if (t != null) {
                    f.completeExceptionally(t);
                }
            });
            return f;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
            int seq = next.get();
            try {
                assertFrame(msg, seq, length(seq));
            } catch (Throwable t) {
                fail(t);
                return;
            }
            int n = next.incrementAndGet();
            if (n == waitFor) {
                reached.complete(null);
            }
            if (n == expected) {
                done.complete(n);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause);
        }

        private void fail(Throwable t) {
            failure.compareAndSet(null, t);
            done.completeExceptionally(t);
        }
    }

    /** Writes frames {@code first .. first+count-1} straight into the TX slots. */
    private static final class SequenceBatch implements NetmapTxBatch {
        private final byte[] scratch = new byte[MAX_FRAME];
        private final int end;
        private int next;

        SequenceBatch(int first, int count) {
            this.next = first;
            this.end = first + count;
        }

        @Override
        public boolean fill(NetmapTxSlots slots) {
            MemorySegment region = slots.region();
            while (next != end && slots.remaining() > 0) {
                int length = length(next);
                AbstractNetmapFrameTest.fill(scratch, next);
                MemorySegment.copy(scratch, 0, region, JAVA_BYTE, slots.bufferOffset(), length);
                slots.commit(length);
                next++;
            }
            return next == end;
        }
    }

    /** A child JVM running {@link NetmapEchoPeer}, and the lines it printed. */
    private static final class Peer {
        final Process process;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final StringBuffer log = new StringBuffer();
        private static final String EOF = "\0EOF";

        Peer(Process process) {
            this.process = process;
            Thread pump = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        log.append(line).append('\n');
                        lines.add(line);
                    }
                } catch (IOException ignored) {
                    // the process is gone: EOF below says so
                }
                lines.add(EOF);
            }, "echo-peer-output-" + process.pid());
            pump.setDaemon(true);
            pump.start();
        }

        void awaitLine(String expected, int seconds) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (true) {
                String line = lines.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (line == null || line.equals(EOF)) {
                    throw new AssertionError("the echo peer did not print " + expected
                            + (line == null ? " in " + seconds + " s" : " before it ended") + ". Its output:\n" + log);
                }
                if (line.equals(expected)) {
                    return;
                }
            }
        }

        /** Closes the peer's channel, then lets it exit by ending its input. */
        void closeCleanly() throws Exception {
            OutputStream in = process.getOutputStream();
            in.write("close\n".getBytes(StandardCharsets.UTF_8));
            in.flush();
            awaitLine("CLOSED", 60);
            in.close();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the echo peer did not exit");
            assertEquals(0, process.exitValue(), "exit status of the echo peer. Its output:\n" + log);
        }

        void assertNoTrouble() {
            String out = log.toString();
            assertFalse(out.contains("ERROR") || out.contains("LEAK") || out.contains("Exception"),
                    "the echo peer reported a problem:\n" + out);
        }
    }
}
