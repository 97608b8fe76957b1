package io.netmap4j.netty.reliability;

import io.netmap4j.NetmapPorts;
import io.netmap4j.core.NetmapBackend;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapIoHandler;
import io.netmap4j.netty.NetmapTxBatch;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Open/close churn: pipes opened and closed over and over, both ends, as raw ports and as Netty
 * channels, in this JVM and against a second process that churns its own end at the same time,
 * with frames in flight at every close. Afterwards this process holds exactly the descriptors
 * and file mappings it held before, no netmap4j file of these pipes is left in the shared-memory
 * directory, and Netty's leak detector (paranoid, with the leak-presence check of the test suite)
 * has nothing to report.
 *
 * <p>The churn is the user backend's, whatever {@code -Dnetmap4j.backend} says: the files, regions
 * and descriptors checked are the ones it makes. (A netmap kernel's pipes are the module's own;
 * in the emulated guest of the kernel tests, a few thousand registrations take longer than the
 * test's time limit, so it skips when {@code -Dnetmap4j.backend=kernel} is set.)
 *
 * <p>CI runs 6000 + 3000 + 1000 = 10^4 cycles; {@code -Dnetmap4j.churn.scale=10} runs ten times as
 * many (README, "Reliability").
 */
class ChurnTest {
    private static final int SCALE = Integer.getInteger("netmap4j.churn.scale", 1);
    private static final long PID = ProcessHandle.current().pid();
    private static final NetmapBackend USER = NetmapPorts.backend("user");
    private static EventLoopGroup group;

    @BeforeAll
    static void startGroup() {
        // Its subject is the user backend, which CI runs; in the emulated guest of the kernel run
        // ten thousand cycles outlast the time limit, and repeat nothing of the kernel's.
        assumeFalse("kernel".equals(System.getProperty(NetmapPorts.BACKEND_PROPERTY)),
                "the user backend's churn; the kernel run (-Dnetmap4j.backend=kernel) leaves it to the user-backend run");
        group = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("churn", true), NetmapIoHandler.newFactory());
    }

    @AfterAll
    static void stopGroup() throws InterruptedException {
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    private static ProcessFootprint footprint(String name) throws IOException {
        return ProcessFootprint.take(UserBackend.shmDir(), name);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void rawPortsOfBothEndsOpenAndCloseWithFramesInFlight() throws Exception {
        int cycles = 6000 * SCALE;
        String prefix = "chr" + PID + "n";
        SplittableRandom random = new SplittableRandom(13);
        ProcessFootprint before = null;
        long sent = 0;
        for (int c = 0; c < cycles; c++) {
            if (c == 20) {
                before = footprint(prefix);
            }
            // a few names over and over (the region is made and removed each time) and sometimes a second pipe
            String base = "netmap:" + prefix + (c % 5);
            boolean masterFirst = random.nextBoolean();
            NetmapPort first = NetmapPorts.open(PortSpec.parse(base + (masterFirst ? "{" : "}") + "0"), USER);
            NetmapPort second = NetmapPorts.open(PortSpec.parse(base + (masterFirst ? "}" : "{") + "0"), USER);
            NetmapPort third = random.nextInt(4) == 0 ? NetmapPorts.open(PortSpec.parse(base + "{1@conf:slots=64"), USER) : null;
            sent += sendSome(first, random.nextInt(1100));
            sent += sendSome(second, random.nextInt(64));
            second.rxSync();
            if (random.nextBoolean()) {
                NetmapRing rx = second.rxRing(0);
                rx.advance(random.nextBoolean() ? rx.tail() : rx.next(rx.head()) == rx.tail() ? rx.tail() : rx.head());
                second.rxSync();
            }
            if (random.nextBoolean()) {
                first.close();
                second.close();
            } else {
                second.close();
                first.close();
            }
            if (third != null) {
                third.close();
            }
        }
        assertTrue(sent > cycles, "frames were in flight: " + sent);
        assertNull(before.grownIn(footprint(prefix)), "after " + cycles + " cycles");
    }

    private static int sendSome(NetmapPort port, int n) throws Exception {
        NetmapRing tx = port.txRing(0);
        int sent = 0;
        for (; sent < n && !tx.isEmpty(); sent++) {
            tx.len(tx.head(), 60 + sent % 1400);
            tx.advance(tx.next(tx.head()));
        }
        port.txSync();
        return sent;
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void channelsOfBothEndsBindAndCloseWithFramesInFlight() throws Exception {
        int cycles = 3000 * SCALE;
        String prefix = "chc" + PID + "n";
        SplittableRandom random = new SplittableRandom(17);
        ProcessFootprint before = null;
        AtomicLong received = new AtomicLong();
        for (int c = 0; c < cycles; c++) {
            if (c == 20) {
                before = footprint(prefix);
            }
            String base = "netmap:" + prefix + (c % 3);
            boolean zeroCopy = random.nextBoolean();
            Channel a = bind(base + "{0", zeroCopy, received);
            Channel b = bind(base + "}0", !zeroCopy, received);
            for (int i = random.nextInt(40); i > 0; i--) {
                a.write(Unpooled.directBuffer(64).writeZero(64 + i));
                b.write(Unpooled.wrappedBuffer(new byte[60 + i]));
            }
            if (random.nextBoolean()) {
                a.writeAndFlush((NetmapTxBatch) slots -> {
                    while (slots.remaining() > 0) {
                        slots.commit(60);
                    }
                    return true;
                });
            }
            a.flush();
            b.flush();
            // close with frames queued, in the rings, or being read: in either order, or at once
            switch (random.nextInt(3)) {
                case 0 -> {
                    a.close().sync();
                    b.close().sync();
                }
                case 1 -> {
                    b.close().sync();
                    a.close().sync();
                }
                default -> {
                    a.close();
                    b.close().sync();
                    a.closeFuture().sync();
                }
            }
        }
        assertTrue(received.get() > 0, "frames were received");
        // the loops unmap a port once its last zero-copy frame is released: give them a moment
        String grown = null;
        for (int i = 0; i < 50; i++) {
            grown = before.grownIn(footprint(prefix));
            if (grown == null) {
                break;
            }
            Thread.sleep(100);
        }
        assertNull(grown, "after " + cycles + " cycles");
    }

    private static Channel bind(String name, boolean zeroCopy, AtomicLong received) throws InterruptedException {
        return new Bootstrap().group(group).channel(NetmapChannel.class)
                .option(NetmapChannelOption.BACKEND, "user")
                .option(NetmapChannelOption.RX_ZERO_COPY, zeroCopy)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        received.incrementAndGet();
                        ReferenceCountUtil.release(msg);
                    }
                })
                .bind(NetmapAddress.of(name)).sync().channel();
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void aSecondProcessChurnsItsEndWhileThisOneSendsAndReopens() throws Exception {
        int peerCycles = 1000 * SCALE;
        String prefix = "chp" + PID;
        String base = "netmap:" + prefix;
        AtomicLong received = new AtomicLong();
        bind(base + "{9", true, received).close().sync(); // the loop's own descriptors are made on first use
        ProcessFootprint before = footprint(prefix);
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "-D" + UserBackend.SHM_DIR_PROPERTY + "=" + UserBackend.shmDir(),
                "-D" + NetmapPorts.BACKEND_PROPERTY + "=user", ChurnPeer.class.getName(),
                base, Integer.toString(peerCycles)));
        Process peer = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        int reopens = 0;
        try {
            while (peer.isAlive()) {
                Channel ch = bind(base + "{0", reopens % 2 == 0, received);
                ch.writeAndFlush((NetmapTxBatch) slots -> {
                    while (slots.remaining() > 0) {
                        slots.commit(60);
                    }
                    return false; // keep the ring full: frames are in flight at every close
                });
                Thread.sleep(50);
                ch.close().sync();
                reopens++;
            }
            String out = new String(peer.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(peer.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, peer.exitValue(), out);
            assertTrue(out.contains("PEER " + peerCycles + " ") && out.contains("grown=null"), out);
        } finally {
            peer.destroyForcibly();
        }
        assertTrue(reopens > 1, "this end was reopened too: " + reopens);
        assertNull(before.grownIn(footprint(prefix)), "after " + peerCycles + " cycles of the peer, "
                + reopens + " of this end");
    }
}
