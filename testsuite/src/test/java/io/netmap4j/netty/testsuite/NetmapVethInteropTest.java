package io.netmap4j.netty.testsuite;

import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.user.nic.NetInterface;
import io.netmap4j.user.nic.NicMechanism;
import io.netmap4j.user.nic.VethPair;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A NIC port against programs nobody here wrote, for each mechanism: a veth pair whose end b is
 * in a network namespace of its own, with an address; the channel is bound to end a.
 * <ul>
 *   <li>an ARP and ICMP echo responder written as a Netty handler answers {@code ping} and
 *       {@code arping} run in the namespace;</li>
 *   <li>{@code tcpdump -w} on end b captures the frames the channel sends, byte for byte;</li>
 *   <li>{@code tcpreplay} of a pcap file this test writes, on end b, reaches the channel frame
 *       for frame, in order, byte for byte.</li>
 * </ul>
 * Needs root and iproute2, iputils-ping, arping, tcpdump and tcpreplay (.ci/run installs them);
 * skipped with the reason otherwise.
 */
class NetmapVethInteropTest {
    private static final byte[] PEER_IP = {(byte) 198, 18, 0, 2};
    private static final byte[] OUR_IP = {(byte) 198, 18, 0, 1};
    private static EventLoopGroup group;

    private VethPair veth;
    private Channel channel;

    @BeforeAll
    static void startGroup() {
        VethPair.requireSupport();
        VethPair.requirePrograms("ping", "arping", "tcpdump", "tcpreplay");
        group = NetmapTestPermutation.newGroup();
    }

    @AfterAll
    static void stopGroup() throws InterruptedException {
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    @BeforeEach
    void makePair() throws IOException {
        veth = VethPair.create().moveToNamespace("198.18.0.2/24");
    }

    @AfterEach
    void removePair() throws InterruptedException {
        if (channel != null) {
            channel.close().sync();
        }
        veth.close();
    }

    private Channel bind(NicMechanism m, ChannelHandler handler) throws InterruptedException {
        channel = new Bootstrap().group(group).channel(NetmapChannel.class)
                .option(NetmapChannelOption.BACKEND, "user")
                .option(NetmapChannelOption.NIC_MECHANISM, m.id())
                .option(NetmapChannelOption.RX_ZERO_COPY, m == NicMechanism.XDP)
                .handler(handler)
                .bind(NetmapAddress.of("netmap:" + veth.a)).sync().channel();
        return channel;
    }

    @ParameterizedTest
    @EnumSource(value = NicMechanism.class, names = {"XDP", "PACKET"})
    void answersPingAndArping(NicMechanism m) throws Exception {
        byte[] mac = NetInterface.lookup(veth.a, "test").macAddress();
        ArpIcmpResponder responder = new ArpIcmpResponder(mac, ByteBuffer.wrap(OUR_IP).getInt());
        bind(m, responder);
        VethPair.Result ping = VethPair.run(veth.inNamespace("ping", "-c", "3", "-i", "0.2", "-W", "2", "198.18.0.1"), true);
        assertEquals(0, ping.code(), "ping over " + m + ":\n" + ping.output());
        assertTrue(ping.output().contains("3 received"), ping.output());
        assertTrue(responder.echoReplies.get() >= 3, "echo replies: " + responder.echoReplies.get());
        VethPair.Result arping = VethPair.run(veth.inNamespace("arping", "-c", "2", "-C", "2", "-i", veth.b, "198.18.0.1"),
                true);
        assertEquals(0, arping.code(), "arping over " + m + ":\n" + arping.output());
        assertTrue(arping.output().toLowerCase().contains(hex(mac)), "arping saw our MAC " + hex(mac) + ":\n"
                + arping.output());
    }

    @ParameterizedTest
    @EnumSource(value = NicMechanism.class, names = {"XDP", "PACKET"})
    void tcpdumpCapturesWhatTheChannelSends(NicMechanism m, @TempDir Path dir) throws Exception {
        Channel ch = bind(m, new SimpleChannelInboundHandler<ByteBuf>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
            }
        });
        int count = 50;
        Path pcap = dir.resolve("sent.pcap");
        Process tcpdump = new ProcessBuilder(veth.inNamespace("tcpdump", "-i", veth.b, "-w", pcap.toString(), "-U",
                "-c", Integer.toString(count), "ether proto 0x88b5")).redirectErrorStream(true).start();
        try {
            awaitLine(tcpdump.getInputStream(), "listening on");
            List<byte[]> sent = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                byte[] f = frame(i, 60 + i * 29);
                sent.add(f);
                ch.write(Unpooled.wrappedBuffer(f));
            }
            ch.flush();
            assertTrue(tcpdump.waitFor(20, TimeUnit.SECONDS), "tcpdump did not see " + count + " frames");
            List<byte[]> captured = readPcap(pcap);
            assertEquals(count, captured.size());
            for (int i = 0; i < count; i++) {
                assertArrayEquals(sent.get(i), captured.get(i), "frame " + i + " as tcpdump captured it");
            }
        } finally {
            tcpdump.destroyForcibly();
        }
    }

    @ParameterizedTest
    @EnumSource(value = NicMechanism.class, names = {"XDP", "PACKET"})
    void tcpreplayReachesTheChannelInOrder(NicMechanism m, @TempDir Path dir) throws Exception {
        BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        bind(m, new SimpleChannelInboundHandler<ByteBuf>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                byte[] b = new byte[msg.readableBytes()];
                msg.getBytes(msg.readerIndex(), b);
                received.add(b);
            }
        });
        int count = 300;
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            frames.add(frame(i, 60 + (i * 37) % 1455));
        }
        Path pcap = dir.resolve("replay.pcap");
        writePcap(pcap, frames);
        VethPair.Result replay = VethPair.run(veth.inNamespace("tcpreplay", "-q", "--pps=20000", "-i", veth.b,
                pcap.toString()), true);
        assertEquals(0, replay.code(), "tcpreplay:\n" + replay.output());
        for (int i = 0; i < count; i++) {
            byte[] got = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(got, "frame " + i + " of " + count + " not received over " + m);
            assertArrayEquals(frames.get(i), got, "frame " + i);
        }
    }

    /** A frame from a locally administered address, EtherType 0x88b5 (local experimental), numbered. */
    static byte[] frame(int seq, int length) {
        byte[] f = new byte[length];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) (i == 0 ? 0x02 : 0x10 + i);
            f[6 + i] = (byte) (i == 0 ? 0x06 : 0x20 + i);
        }
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xb5;
        ByteBuffer.wrap(f, 14, 4).putInt(seq);
        for (int i = 18; i < length; i++) {
            f[i] = (byte) (seq * 7 + i);
        }
        return f;
    }

    private static String hex(byte[] mac) {
        StringBuilder b = new StringBuilder();
        for (byte x : mac) {
            b.append(b.isEmpty() ? "" : ":").append(String.format("%02x", x));
        }
        return b.toString();
    }

    private static void awaitLine(InputStream in, String text) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                if (line.toString(StandardCharsets.UTF_8).contains(text)) {
                    return;
                }
                line.reset();
            } else {
                line.write(c);
            }
        }
        throw new IOException("ended before printing \"" + text + "\": " + line.toString(StandardCharsets.UTF_8));
    }

    /** A classic pcap file (microsecond timestamps, Ethernet), frames 10 µs apart. */
    static void writePcap(Path file, List<byte[]> frames) throws IOException {
        int size = 24 + frames.stream().mapToInt(f -> 16 + f.length).sum();
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        int usec = 0;
        for (byte[] f : frames) {
            b.putInt(1_700_000_000).putInt(usec).putInt(f.length).putInt(f.length).put(f);
            usec += 10;
        }
        Files.write(file, b.array());
    }

    /** The frames of a classic pcap file, either byte order. */
    static List<byte[]> readPcap(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
            b.order(ByteOrder.BIG_ENDIAN);
        }
        b.position(24);
        List<byte[]> frames = new ArrayList<>();
        while (b.remaining() >= 16) {
            b.getInt();
            b.getInt();
            int caplen = b.getInt();
            b.getInt();
            byte[] f = new byte[caplen];
            b.get(f);
            frames.add(f);
        }
        return frames;
    }
}
