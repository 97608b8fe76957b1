package io.netmap4j.netty.reliability;

import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapRxBatch;
import io.netmap4j.netty.NetmapIoHandler;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;
import io.netmap4j.user.UserPipePort;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.abi.NetmapConstants.POLLOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The user backend against a hostile peer: {@link HostilePeer}, in another process, attacks two
 * pipes of one region through the raw shared memory, while this process runs txsync, rxsync,
 * poll and the sleep handshake on a raw port of one pipe (reading every frame it is given) and a
 * Netty channel reads and writes the other (half the time with RX_BATCH, sending each batch back
 * by buffer index). Nothing may crash this JVM, touch memory outside the
 * region (FFM's bounds hold; an index that survives a sync is refused by the ring's accessors),
 * block a call or the event loop for 2 s, or fail with anything but a clear exception of the
 * project; every anomaly the backend sees is counted; a port that fails is opened again; and
 * when the peer is gone, closing both ends removes the region.
 *
 * <p>The attack is drawn from a seed (printed on failure). CI runs rounds of 2*10^5 iterations
 * (a new peer process and seed each) until every kind of anomaly was counted, for at most 60 s;
 * {@code -Dnetmap4j.hostile.iterations=1000000 -Dnetmap4j.hostile.seed=N} runs a long one
 * (README, "Reliability").
 */
class HostilePeerTest {
    private static final long ITERATIONS = Long.getLong("netmap4j.hostile.iterations", 200_000);
    private static final long SEED = Long.getLong("netmap4j.hostile.seed", System.nanoTime());
    private static final long HANG_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** How long rounds of attack may go on until every kind of anomaly was met. */
    private static final long MAX_ATTACK_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** What went wrong, by kind; a run passes with none. */
    private final Map<String, String> failures = new ConcurrentHashMap<>();
    /** Exceptions the project threw, by class and the start of their message: allowed, and counted. */
    private final Map<String, AtomicLong> clearFailures = new ConcurrentHashMap<>();
    /** Of the channel's frames, those it got in RX batches. */
    private final AtomicLong batchFrames = new AtomicLong();

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void aHostilePeerCrashesNothingHangsNothingAndEveryAnomalyIsCounted() throws Exception {
        String parent = "hp" + ProcessHandle.current().pid();
        String rawName = "netmap:" + parent + "{0@conf:slots=256";
        String channelName = "netmap:" + parent + "{1@conf:slots=512";
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("hostile", true),
                NetmapIoHandler.newFactory());
        UserPipePort raw = open(rawName);
        Path region;
        AtomicLong channelFrames = new AtomicLong();
        Channel ch = bind(group, channelName, channelFrames);
        long rawFrames = 0;
        long[] anomalies = new long[5];
        int reopens = 0;
        int rebinds = 0;
        // the event loop must keep turning: a task every 50 ms records that it ran
        AtomicLong loopTick = new AtomicLong(System.nanoTime());
        ScheduledFuture<?> ticker = group.next().scheduleAtFixedRate(() -> loopTick.set(System.nanoTime()),
                0, 50, TimeUnit.MILLISECONDS);

        SplittableRandom random = new SplittableRandom(SEED ^ 0x5DEECE66DL);
        StringBuilder peerReport = new StringBuilder();
        long ops = 0;
        int rounds = 0;
        long attackEnds = System.nanoTime() + MAX_ATTACK_NANOS;
        Process peer = null;
        try {
            // A round is one peer process attacking ITERATIONS times (seed SEED + round). On a fast
            // machine a round can end before this side has met every kind of damage; further
            // rounds follow until it has, for at most MAX_ATTACK_NANOS, so that the counts checked
            // below depend on the code and not on how the two processes happened to interleave.
            do {
                if (raw == null) {
                    raw = open(rawName); // the region must exist for the next peer to map it
                    reopens++;
                }
                region = Path.of(raw.regionPath());
                int round = rounds++;
                peer = startPeer(region, SEED + round, peerReport);
                while (peer.isAlive()) {
                    ops++;
                    long start = System.nanoTime();
                    try {
                        if (raw == null) {
                            raw = open(rawName);
                            reopens++;
                        }
                        rawFrames += step(raw, random);
                    } catch (NetmapException e) {
                        clear(e);
                        if (raw != null) {
                            collect(raw, anomalies);
                            raw.close();
                            raw = null;
                        }
                    } catch (IndexOutOfBoundsException e) {
                        // a descriptor the peer broke after our sync, refused by the ring's accessors
                        if (e.getMessage() == null || !e.getMessage().startsWith("buffer index ")) {
                            failures.putIfAbsent("unexpected " + e, stack(e));
                        }
                        clear(e);
                    } catch (RuntimeException e) {
                        failures.putIfAbsent("unexpected " + e, stack(e));
                    }
                    long took = System.nanoTime() - start;
                    if (took > HANG_NANOS) {
                        failures.putIfAbsent("a call took " + took / 1_000_000 + " ms", "op " + ops);
                    }
                    if (System.nanoTime() - loopTick.get() > HANG_NANOS + TimeUnit.MILLISECONDS.toNanos(100)) {
                        failures.putIfAbsent("the event loop stood still for 2 s", "op " + ops);
                    }
                    if (!ch.isOpen()) {
                        ch = bind(group, channelName, channelFrames);
                        rebinds++;
                        // every other channel takes whole RX batches, which it reads and sends back by buffer index
                        ch.config().setOption(NetmapChannelOption.RX_BATCH, (rebinds & 1) != 0);
                    } else if ((ops & 127) == 0) {
                        ch.config().setOption(NetmapChannelOption.RX_BATCH, (ops & 128) != 0);
                    } else if ((ops & 63) == 0) {
                        ByteBuf frame = Unpooled.directBuffer(60 + random.nextInt(1400));
                        ch.writeAndFlush(frame.writeZero(frame.capacity())).addListener(f -> {
                            if (!f.isSuccess()) {
                                clear(f.cause());
                            }
                        });
                    }
                }
                assertTrue(peer.waitFor(10, TimeUnit.SECONDS), "the peer of round " + round + " did not end");
                awaitReport(peerReport, round);
            } while (!everyKindSeen(anomalies, raw) && System.nanoTime() < attackEnds);
        } finally {
            if (peer != null) {
                peer.destroyForcibly();
            }
            ticker.cancel(false);
            if (raw != null) {
                collect(raw, anomalies);
                raw.close();
            }
            ch.close().sync();
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
        String report = "seed " + SEED + " (-Dnetmap4j.hostile.seed=" + SEED + "), " + rounds + " round(s) of " + ITERATIONS
                + " iterations (seeds " + SEED + ".." + (SEED + rounds - 1) + "), "
                + ops + " operations here, raw frames " + rawFrames + ", channel frames " + channelFrames.get() + " (" + batchFrames.get() + " in batches)"
                + ", raw reopens " + reopens + ", channel rebinds " + rebinds + ", anomalies counted " + List.of(
                "dropped " + anomalies[0], "ring resets " + anomalies[1], "ring errors " + anomalies[2],
                "peer errors " + anomalies[3], "late wake-ups " + anomalies[4])
                + ", clear failures " + new TreeMap<>(clearFailures) + "\npeer: " + peerReport;
        System.out.println("HostilePeerTest: " + report);
        assertEquals(Map.of(), failures, report);
        // bad descriptors are dropped and counted, bad indices of our own rings reset them, bad indices
        // of the peer are ignored and counted (or, for our own kernel indices, fail the port clearly)
        assertTrue(everyKindSeen(anomalies, null), "not counted: " + report);
        assertEquals(0, anomalies[4], "late wake-ups: " + report);
        assertTrue(rawFrames + channelFrames.get() > 0, "nothing got through in the calm stretches: " + report);
        assertFalse(Files.exists(region), "the region outlived both ends: " + report);
    }

    /** The peer process of one round, started and READY; its output goes to {@code report}. */
    private static Process startPeer(Path region, long seed, StringBuilder report) throws IOException {
        Process peer = new ProcessBuilder(List.of(System.getProperty("java.home") + "/bin/java",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                HostilePeer.class.getName(), region.toString(), Long.toString(seed), Long.toString(ITERATIONS), "0", "1"))
                .redirectErrorStream(true).start();
        BufferedReader peerOut = new BufferedReader(new InputStreamReader(peer.getInputStream(), StandardCharsets.UTF_8));
        String line = peerOut.readLine();
        assertEquals("READY", line, "the hostile peer did not start (seed " + seed + ")");
        Thread.ofPlatform().daemon().start(() -> {
            try {
                for (String l; (l = peerOut.readLine()) != null; ) {
                    synchronized (report) {
                        report.append(l).append('\n');
                    }
                }
            } catch (IOException ignored) {
                // ends with the peer
            }
        });
        return peer;
    }

    /** Waits until the peer of {@code round} has reported that it made all its attacks. */
    private static void awaitReport(StringBuilder report, int round) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            synchronized (report) {
                if (report.toString().split("DONE " + ITERATIONS, -1).length > round + 1) {
                    return;
                }
            }
            assertTrue(System.nanoTime() < deadline, "the peer of round " + round + " did not finish its attack:\n" + report);
            Thread.sleep(10);
        }
    }

    /**
     * True when every kind of anomaly was counted: bad descriptors dropped, bad indices of our own
     * rings reset, bad indices of the peer ignored or refused ({@code raw}, if open, adds its counts).
     */
    private static boolean everyKindSeen(long[] anomalies, UserPipePort raw) {
        long[] a = anomalies.clone();
        if (raw != null) {
            collect(raw, a);
        }
        return a[0] > 0 && a[1] > 0 && a[2] + a[3] > 0;
    }

    private static UserPipePort open(String name) throws NetmapException {
        return (UserPipePort) UserBackend.INSTANCE.open(PortSpec.parse(name));
    }

    /** One thing a user of the raw port does; returns the frames it read. */
    private long step(UserPipePort port, SplittableRandom random) throws NetmapException {
        NetmapRing tx = port.txRing(0);
        NetmapRing rx = port.rxRing(0);
        switch (random.nextInt(6)) {
            case 0 -> {
                // a careful user of the raw API checks the ring after each sync: the peer can write it too
                for (int i = random.nextInt(32); i > 0 && tx.invariantsHold() && !tx.isEmpty(); i--) {
                    int slot = tx.head();
                    tx.slotBuffer(slot).set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, i);
                    tx.len(slot, 60);
                    tx.advance(tx.next(slot));
                }
                port.txSync();
            }
            case 1 -> port.poll(POLLIN | POLLOUT, random.nextInt(3));
            case 2 -> {
                if (port.prepareToSleep(POLLIN) == 0) {
                    port.completePoll(POLLIN, 0);
                }
            }
            default -> {
                port.rxSync();
                long frames = 0;
                int head = rx.head();
                int tail = rx.tail();
                if (!rx.invariantsHold() || head < 0 || head >= rx.numSlots() || tail < 0 || tail >= rx.numSlots()) {
                    return 0; // broken after the sync by the peer: a careful user waits for the next sync
                }
                for (int slot = head; slot != tail && frames < rx.numSlots(); slot = rx.next(slot)) {
                    // read every frame as a user would; a slot broken after the sync is refused here
                    int len = Math.min(rx.len(slot), rx.bufferSize());
                    MemorySegmentReader.touch(rx.slotBuffer(slot), len);
                    frames++;
                }
                rx.advance(tail);
                port.rxSync();
                return frames;
            }
        }
        return 0;
    }

    private static void collect(UserPipePort port, long[] anomalies) {
        anomalies[0] += port.droppedFrames();
        anomalies[1] += port.ringResets();
        anomalies[2] += port.ringErrors();
        anomalies[3] += port.peerErrors();
        anomalies[4] += port.lateWakeups();
    }

    /** A failure the project reported: must carry a message, and is counted by kind. */
    private void clear(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            if (!(t instanceof io.netty.channel.socket.ChannelOutputShutdownException)
                    && !t.getClass().getSimpleName().contains("ClosedChannel")) {
                failures.putIfAbsent("a failure without a message: " + t, stack(t));
            }
            m = "";
        }
        String key = t.getClass().getSimpleName() + ": " + m.replaceAll("[0-9]+", "N").replaceAll("netmap:hp\\S*", "PORT");
        clearFailures.computeIfAbsent(key.length() > 90 ? key.substring(0, 90) : key, k -> new AtomicLong()).incrementAndGet();
    }

    private Channel bind(EventLoopGroup group, String name, AtomicLong frames) throws InterruptedException {
        ChannelFuture f = new Bootstrap().group(group).channel(NetmapChannel.class)
                .option(NetmapChannelOption.BACKEND, "user")
                .option(NetmapChannelOption.RX_ZERO_COPY, true)
                .option(NetmapChannelOption.RX_EXTRA_BUFFERS, 16)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof NetmapRxBatch batch) {
                            for (int k = 0; k < batch.size(); k++) {
                                ByteBuf b = batch.frame(k);
                                for (int i = b.readerIndex(); i < b.writerIndex(); i += 64) {
                                    b.getByte(i);
                                }
                            }
                            frames.addAndGet(batch.size());
                            batchFrames.addAndGet(batch.size());
                            ctx.channel().write(batch).addListener(f -> {
                                if (!f.isSuccess()) {
                                    clear(f.cause());
                                }
                            });
                            return;
                        }
                        ByteBuf b = (ByteBuf) msg;
                        try {
                            for (int i = b.readerIndex(); i < b.writerIndex(); i += 64) {
                                b.getByte(i); // read it all, as a handler would
                            }
                            frames.incrementAndGet();
                        } finally {
                            b.release();
                        }
                    }

                    @Override
                    public void channelReadComplete(ChannelHandlerContext ctx) {
                        ctx.flush();
                    }

                    @Override
                    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                        if (cause instanceof NetmapException || cause instanceof IndexOutOfBoundsException
                                && cause.getMessage() != null && cause.getMessage().startsWith("buffer index ")) {
                            clear(cause);
                        } else {
                            failures.putIfAbsent("the channel caught " + cause, stack(cause));
                        }
                    }
                })
                .bind(NetmapAddress.of(name)).await();
        if (!f.isSuccess()) {
            clear(f.cause());
            Thread.sleep(1);
            return f.channel();
        }
        return f.channel();
    }

    private static String stack(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return w.toString();
    }

    /** Reads a frame's bytes, so that a buffer outside the region would fault here if FFM's bounds did not hold. */
    private static final class MemorySegmentReader {
        static volatile long sink;

        static void touch(java.lang.foreign.MemorySegment buf, int len) {
            long s = 0;
            for (int i = 0; i < len; i += 8) {
                s += buf.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i);
            }
            sink = s;
        }
    }
}
