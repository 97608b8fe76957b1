package io.netmap4j.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@link NetmapMultiQueue} refuses, and how it says so (the kernel tests bind real rings). */
class NetmapMultiQueueTest {
    private static EventLoopGroup group;

    @BeforeAll
    static void start() {
        group = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory());
    }

    @AfterAll
    static void stop() throws InterruptedException {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    private static Throwable failure(String name, String backend) throws InterruptedException {
        Bootstrap b = new Bootstrap().group(group).channel(NetmapChannel.class).handler(new ChannelInboundHandlerAdapter())
                .option(NetmapChannelOption.BACKEND, backend);
        Future<?> f = NetmapMultiQueue.bind(b, NetmapAddress.of(name)).await();
        assertFalse(f.isSuccess(), name);
        return f.cause();
    }

    @Test
    void namesThatAreNotAWholeInterfaceAreRefused() throws Exception {
        for (String name : new String[] {"netmap:mq{1", "netmap:eth0-1", "netmap:eth0^", "netmap:eth0*"}) {
            Throwable cause = failure(name, "user");
            assertTrue(cause instanceof IllegalArgumentException && cause.getMessage().contains(name)
                    && cause.getMessage().contains("ring pairs"), cause.toString());
        }
    }

    @Test
    void aBackendThatCannotCountRingsSaysSo() throws Exception {
        Throwable cause = failure("netmap:nm4jmissing0", "user");
        assertTrue(cause.getMessage().contains("netmap:nm4jmissing0"), cause.toString());
    }
}
