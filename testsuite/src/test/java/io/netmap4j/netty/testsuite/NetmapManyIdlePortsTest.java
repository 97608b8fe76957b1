package io.netmap4j.netty.testsuite;

import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapIoHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A thousand idle pipe ends on one event loop while a busy pipe streams into the same loop:
 * frames sent to idle ports, one here and one there, each reach exactly their channel (through
 * the peers' marks on the loop's ready board), and the busy stream goes on meanwhile. Timing
 * is measured in microbench/ (IdlePortLatencyBenchmark); here, only that every frame arrives.
 */
class NetmapManyIdlePortsTest {
    private static final int IDLE = 1000;
    private static final int PROBES = 200;
    private static EventLoopGroup receiving;
    private static EventLoopGroup sending;

    @BeforeAll
    static void startLoops() {
        // the ready board is the user backend's; a netmap module's default memory pool has rings
        // for far fewer than a thousand pipes (kernel ports at scale are epoll's, in microbench/)
        org.junit.jupiter.api.Assumptions.assumeTrue(io.netmap4j.NetmapPorts.defaultBackend() == io.netmap4j.user.UserBackend.INSTANCE,
                () -> "a thousand pipes on the " + io.netmap4j.NetmapPorts.defaultBackend().name() + " backend");
        receiving = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory());
        sending = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory());
    }

    @AfterAll
    static void stopLoops() throws InterruptedException {
        if (receiving == null) {
            return; // skipped before the loops were made
        }
        receiving.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
        sending.shutdownGracefully(0, 5, TimeUnit.SECONDS).sync();
    }

    /** Counts the frames of each idle port by the number in their first 4 bytes. */
    @ChannelHandler.Sharable
    private static final class Arrivals extends ChannelInboundHandlerAdapter {
        final AtomicIntegerArray perPort = new AtomicIntegerArray(IDLE);

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            perPort.incrementAndGet(frame.getInt(frame.readerIndex()));
            ReferenceCountUtil.release(msg);
        }
    }

    /** Counts the frames of the busy pipe. */
    private static final class Counter extends ChannelInboundHandlerAdapter {
        final AtomicLong frames = new AtomicLong();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            frames.incrementAndGet();
            ReferenceCountUtil.release(msg);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void framesToIdlePortsArriveWhileABusyPipeStreams() throws Exception {
        List<Channel> channels = new ArrayList<>();
        Arrivals arrivals = new Arrivals();
        Counter busy = new Counter();
        try {
            List<Channel> senders = new ArrayList<>();
            List<ChannelFuture> pending = new ArrayList<>();
            String parent = NetmapTestPermutation.newPipeName();
            for (int k = 0; k < IDLE; k++) {
                // 64 pipes per parent: 16 regions
                String pipe = parent + "g" + (k / 64);
                int id = k % 64;
                pending.add(new Bootstrap().group(receiving).channel(NetmapChannel.class).handler(arrivals)
                        .bind(NetmapAddress.of(pipe + "}" + id + "@conf:slots=64")));
                pending.add(new Bootstrap().group(sending).channel(NetmapChannel.class)
                        .handler(new ChannelInboundHandlerAdapter())
                        .bind(NetmapAddress.of(pipe + "{" + id + "@conf:slots=64")));
            }
            for (int i = 0; i < pending.size(); i++) {
                Channel ch = pending.get(i).sync().channel();
                channels.add(ch);
                if (i % 2 == 1) {
                    senders.add(ch);
                }
            }
            String busyPipe = NetmapTestPermutation.newPipeName();
            channels.add(new Bootstrap().group(receiving).channel(NetmapChannel.class).handler(busy)
                    .bind(NetmapAddress.of(busyPipe + "}0")).sync().channel());
            Channel busySender = new Bootstrap().group(sending).channel(NetmapChannel.class)
                    .handler(new ChannelInboundHandlerAdapter())
                    .bind(NetmapAddress.of(busyPipe + "{0")).sync().channel();
            channels.add(busySender);
            streamUntilClosed(busySender);

            Random random = new Random(42);
            int[] expected = new int[IDLE];
            for (int i = 0; i < PROBES; i++) {
                int k = random.nextInt(IDLE);
                expected[k]++;
                Channel s = senders.get(k);
                ByteBuf frame = s.alloc().directBuffer(60).writeInt(k).writeZero(56);
                s.writeAndFlush(frame).sync();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline && !all(arrivals, expected)) {
                Thread.sleep(10);
            }
            for (int k = 0; k < IDLE; k++) {
                assertEquals(expected[k], arrivals.perPort.get(k), "frames of idle port " + k);
            }
            long before = busy.frames.get();
            Thread.sleep(100);
            assertTrue(busy.frames.get() > before, "the busy pipe kept streaming");
        } finally {
            for (Channel ch : channels) {
                ch.close();
            }
            for (Channel ch : channels) {
                ch.closeFuture().sync();
            }
        }
    }

    private static boolean all(Arrivals arrivals, int[] expected) {
        for (int k = 0; k < expected.length; k++) {
            if (arrivals.perPort.get(k) != expected[k]) {
                return false;
            }
        }
        return true;
    }

    /** Writes 64-frame batches into {@code ch} from its loop, paced by writability, until it closes. */
    private static void streamUntilClosed(Channel ch) {
        ch.eventLoop().execute(new Runnable() {
            @Override
            public void run() {
                if (!ch.isActive()) {
                    return;
                }
                for (int i = 0; i < 64 && ch.isWritable(); i++) {
                    ch.write(ch.alloc().directBuffer(60).writeZero(60), ch.voidPromise());
                }
                ch.flush();
                // scheduled, not executed: a task that re-submits itself keeps the loop in its task
                // queue for a whole task quantum, away from I/O (the TX ring's slots coming back)
                ch.eventLoop().schedule(this, 0, TimeUnit.NANOSECONDS);
            }
        });
    }
}
