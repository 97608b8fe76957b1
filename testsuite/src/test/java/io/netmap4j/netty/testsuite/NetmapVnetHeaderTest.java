package io.netmap4j.netty.testsuite;

import io.netmap4j.kernel.KernelBackend;
import io.netmap4j.kernel.NetmapControl;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link NetmapChannelOption#VNET_HDR_LEN}: on a VALE switch of a netmap kernel, a port with a
 * 12-byte virtio-net header and one without exchange frames, the switch adding and removing the
 * header; elsewhere the option is refused at bind with the reason. The kernel cases skip where
 * /dev/netmap is not usable (they run in the netmap guest).
 */
class NetmapVnetHeaderTest {
    private static final int HDR = 12;
    private static EventLoopGroup group;
    private final List<Channel> channels = new ArrayList<>();

    @BeforeAll
    static void setUp() {
        group = NetmapTestPermutation.newGroup();
    }

    @AfterAll
    static void tearDown() throws InterruptedException {
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    @AfterEach
    void closeAll() throws InterruptedException {
        for (int i = channels.size() - 1; i >= 0; i--) {
            channels.get(i).close().sync();
        }
    }

    private Bootstrap bootstrap(String backend, int hdrLen, LinkedBlockingQueue<byte[]> received) {
        return new Bootstrap().group(group).channel(NetmapChannel.class)
                .option(NetmapChannelOption.BACKEND, backend)
                .option(NetmapChannelOption.VNET_HDR_LEN, hdrLen)
                .handler(received == null ? new ChannelInboundHandlerAdapter() : new SimpleChannelInboundHandler<ByteBuf>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
                        received.add(ByteBufUtil.getBytes(frame));
                    }
                });
    }

    private Channel bind(String backend, String name, int hdrLen, LinkedBlockingQueue<byte[]> received)
            throws InterruptedException {
        Channel ch = bootstrap(backend, hdrLen, received).bind(NetmapAddress.of(name)).sync().channel();
        channels.add(ch);
        return ch;
    }

    /** A broadcast frame of {@code length} bytes whose payload bytes count up from {@code seed}. */
    private static byte[] frame(int length, int seed) {
        byte[] f = new byte[length];
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) 0xff;
        }
        f[6] = 0x02; // a locally administered source
        f[11] = (byte) seed;
        f[12] = (byte) 0x88;
        f[13] = (byte) 0xb5; // local experimental EtherType
        for (int i = 14; i < length; i++) {
            f[i] = (byte) (seed + i);
        }
        return f;
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theSwitchAddsAndRemovesTheHeaderBetweenPortsOfDifferentLengths() throws Exception {
        assumeTrue(KernelBackend.INSTANCE.isAvailable(), () -> "netmap kernel module not usable here: "
                + KernelBackend.INSTANCE.unavailabilityCause().getMessage());
        String sw = NetmapTestPermutation.newSwitchName();
        LinkedBlockingQueue<byte[]> atH = new LinkedBlockingQueue<>();
        LinkedBlockingQueue<byte[]> atP = new LinkedBlockingQueue<>();
        Channel withHeader = bind("kernel", sw + ":h", HDR, atH);
        Channel plain = bind("kernel", sw + ":p", 0, atP);
        assertEquals(HDR, withHeader.config().getOption(NetmapChannelOption.VNET_HDR_LEN));
        try (NetmapControl control = NetmapControl.open()) {
            assertEquals(HDR, control.portHdrGet(sw + ":h"));
            assertEquals(0, control.portHdrGet(sw + ":p"));
        }

        byte[] sent = frame(60, 1);
        plain.writeAndFlush(plain.alloc().buffer().writeBytes(sent)).sync();
        byte[] got = atH.poll(30, TimeUnit.SECONDS);
        assertNotNull(got, "nothing reached the port with the header");
        assertEquals(HDR + sent.length, got.length, "the frame arrives behind a " + HDR + "-byte header");
        assertArrayEquals(new byte[HDR], java.util.Arrays.copyOf(got, HDR), "a zero header: no offloads asked for");
        assertArrayEquals(sent, java.util.Arrays.copyOfRange(got, HDR, got.length));

        byte[] back = frame(100, 7);
        ByteBuf out = withHeader.alloc().buffer().writeZero(HDR).writeBytes(back);
        withHeader.writeAndFlush(out).sync();
        byte[] atPlain = atP.poll(30, TimeUnit.SECONDS);
        assertNotNull(atPlain, "nothing reached the port without a header");
        assertArrayEquals(back, atPlain, "the switch took the header off");
    }

    @Test
    void theUserBackendRefusesAHeaderWithTheReasonAndLeavesTheSwitchAlone() throws Exception {
        String sw = NetmapTestPermutation.newSwitchName();
        Throwable refused = bootstrap("user", HDR, null).bind(NetmapAddress.of(sw + ":h")).await().cause();
        assertNotNull(refused, "bound a header on the user backend");
        assertTrue(refused.getMessage().contains("virtio-net headers are not supported by the user backend"), refused.getMessage());
        // the port it opened is closed again: the same name opens without a header
        Channel ok = bind("user", sw + ":h", 0, null);
        assertTrue(ok.isActive());
    }

    @Test
    void aHeaderIsRefusedOnPortsThatAreNotValePorts() throws Exception {
        Throwable refused = bootstrap("user", HDR, null)
                .bind(NetmapAddress.of(NetmapTestPermutation.newPipeName() + "{0")).await().cause();
        assertNotNull(refused);
        assertTrue(refused.getMessage().contains("needs a VALE port"), refused.getMessage());
    }

    @Test
    void onlyTheLengthsNetmapKnowsAreAccepted() {
        Channel unbound = new NetmapChannel();
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> unbound.config().setOption(NetmapChannelOption.VNET_HDR_LEN, 8));
        assertTrue(bad.getMessage().contains("0 (no header), 10 or 12"), bad.getMessage());
        assertTrue(unbound.config().setOption(NetmapChannelOption.VNET_HDR_LEN, 10));
        assertEquals(10, unbound.config().getOption(NetmapChannelOption.VNET_HDR_LEN));
        assertFalse(unbound.isActive());
    }
}
