package io.netmap4j.netty.testsuite;

import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapMultiQueue;
import io.netmap4j.netty.NetmapTxBatch;
import io.netmap4j.user.nic.NicMechanism;
import io.netmap4j.user.nic.VethPair;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

/**
 * A veth pair with two queues per end: one channel per queue ({@code netmap:IF-0},
 * {@code netmap:IF-1}) on each end, the two queues on different event loops; the receivers are
 * bound by {@link NetmapMultiQueue}. The senders use
 * AF_XDP, whose socket transmits on its own queue, so frames sent on queue k of end a arrive on
 * queue k of end b; each receiver (AF_XDP, or AF_PACKET with its queue filter) must get all the
 * frames of its queue and none of the other's.
 */
class NetmapTwoQueueVethTest {
    private static final int FRAMES = 2000;
    private static EventLoopGroup group;

    @BeforeAll
    static void startGroup() {
        VethPair.requireSupport();
        group = NetmapTestPermutation.newGroup();
    }

    @AfterAll
    static void stopGroup() throws InterruptedException {
        if (group != null) {
            group.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        }
    }

    @ParameterizedTest
    @EnumSource(value = NicMechanism.class, names = {"XDP", "PACKET"})
    void eachQueueHasItsChannel(NicMechanism receiver) throws Exception {
        try (VethPair veth = VethPair.create(2)) {
            Channel[] rx = new Channel[2];
            Channel[] tx = new Channel[2];
            CompletableFuture<?>[] done = new CompletableFuture<?>[2];
            AtomicInteger[] got = {new AtomicInteger(), new AtomicInteger()};
            try {
                for (int q = 0; q < 2; q++) {
                    done[q] = new CompletableFuture<>();
                }
                // the receivers: one channel per queue of end b, each on a loop of its own
                Bootstrap receivers = new Bootstrap().group(group).channel(NetmapChannel.class)
                        .option(NetmapChannelOption.BACKEND, "user")
                        .option(NetmapChannelOption.NIC_MECHANISM, receiver.id())
                        .handler(new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel ch) {
                                ch.pipeline().addLast(new SimpleChannelInboundHandler<ByteBuf>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, ByteBuf f) {
                                        int queue = ((NetmapChannel) ctx.channel()).port().spec().ringId();
                                        int from = f.getInt(f.readerIndex() + 14);
                                        int seq = f.getInt(f.readerIndex() + 18);
                                        if (from != queue || seq != got[queue].get()) {
                                            done[queue].completeExceptionally(new AssertionError("queue " + queue
                                                    + " got frame " + seq + " of queue " + from + ", expected "
                                                    + got[queue]));
                                        } else if (got[queue].incrementAndGet() == FRAMES) {
                                            done[queue].complete(null);
                                        }
                                    }
                                });
                            }
                        });
                List<Channel> bound = NetmapMultiQueue.bind(receivers,
                        NetmapAddress.of("netmap:" + veth.b + "@conf:slots=4096")).sync().getNow();
                assertEquals(2, bound.size(), "one channel per queue");
                for (int q = 0; q < 2; q++) {
                    rx[q] = bound.get(q);
                    tx[q] = new Bootstrap().group(rx[q].eventLoop()).channel(NetmapChannel.class)
                            .option(NetmapChannelOption.BACKEND, "user")
                            .option(NetmapChannelOption.NIC_MECHANISM, "xdp")
                            .handler(new ChannelInboundHandlerAdapter())
                            .bind(NetmapAddress.of("netmap:" + veth.a + "-" + q + "/T")).sync().channel();
                }
                assertNotSame(rx[0].eventLoop(), rx[1].eventLoop(), "the two queues run on two event loops");
                for (int q = 0; q < 2; q++) {
                    int queue = q;
                    int[] next = {0};
                    // paced by the TX ring: at most a ring of frames is in flight per queue
                    tx[q].writeAndFlush((NetmapTxBatch) slots -> {
                        MemorySegment region = slots.region();
                        while (slots.remaining() > 0 && next[0] < FRAMES) {
                            long at = slots.bufferOffset();
                            for (int i = 0; i < 12; i++) {
                                region.set(JAVA_BYTE, at + i, (byte) (i == 0 || i == 6 ? 0x02 : i));
                            }
                            region.set(JAVA_BYTE, at + 12, (byte) 0x88);
                            region.set(JAVA_BYTE, at + 13, (byte) 0xb5);
                            region.set(JAVA_INT_UNALIGNED, at + 14, Integer.reverseBytes(queue));
                            region.set(JAVA_INT_UNALIGNED, at + 18, Integer.reverseBytes(next[0]));
                            slots.commit(64);
                            next[0]++;
                        }
                        return next[0] == FRAMES;
                    });
                }
                for (int q = 0; q < 2; q++) {
                    done[q].get(30, TimeUnit.SECONDS);
                    assertEquals(FRAMES, got[q].get());
                }
            } finally {
                for (Channel c : rx) {
                    if (c != null) {
                        c.close().sync();
                    }
                }
                for (Channel c : tx) {
                    if (c != null) {
                        c.close().sync();
                    }
                }
            }
        }
    }
}
