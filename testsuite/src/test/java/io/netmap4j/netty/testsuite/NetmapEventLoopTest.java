package io.netmap4j.netty.testsuite;

import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapIoHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.testsuite.transport.AbstractSingleThreadEventLoopTest;
import io.netty.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Netty's event-loop contract on loops driven by {@link NetmapIoHandler}: registration and
 * deregistration, the shutdown variants, and auto-scaling groups that suspend idle loops and
 * resume them on another thread.
 *
 * <p>Not applicable as written: the three {@code testChannelsIterator*} tests skip themselves,
 * because a plain {@code SingleThreadIoEventLoop} does not list its channels (no Netty 4.2 IoHandler
 * transport does without its own deprecated loop class). {@code testShutdownGracefullyNoQuietPeriod}
 * binds a {@code ServerChannel}, which an L2 transport does not have; it is overridden below with
 * the same check on a bound netmap channel (one end of a pipe).
 */
class NetmapEventLoopTest extends AbstractSingleThreadEventLoopTest {
    @Override
    protected EventLoopGroup newEventLoopGroup() {
        return new MultiThreadIoEventLoopGroup(NetmapIoHandler.newFactory());
    }

    @Override
    protected EventLoopGroup newAutoScalingEventLoopGroup() {
        return new MultiThreadIoEventLoopGroup(SCALING_MAX_THREADS, (Executor) null, AUTO_SCALING_CHOOSER_FACTORY,
                NetmapIoHandler.newFactory());
    }

    @Override
    protected Channel newChannel() {
        return new NetmapChannel();
    }

    @Override
    protected Class<? extends ServerChannel> serverChannelClass() {
        // Only read by testShutdownGracefullyNoQuietPeriod, which is overridden.
        return LocalServerChannel.class;
    }

    @Test
    @Timeout(value = 5000, unit = TimeUnit.MILLISECONDS)
    @Override
    public void testShutdownGracefullyNoQuietPeriod() throws Exception {
        EventLoopGroup loop = newEventLoopGroup();
        // A bound channel that is left open must not delay a shutdown without quiet period; the
        // loop closes it (and unmaps its port) as it shuts down.
        Channel ch = new Bootstrap().group(loop).channel(NetmapChannel.class)
                .handler(new ChannelInboundHandlerAdapter())
                .bind(NetmapAddress.of(NetmapTestPermutation.newPipeName() + "{1")).sync().channel();
        Future<?> f = loop.shutdownGracefully(0, 1, TimeUnit.MINUTES);
        assertTrue(loop.awaitTermination(600, TimeUnit.MILLISECONDS));
        assertTrue(f.syncUninterruptibly().isSuccess());
        assertTrue(loop.isShutdown());
        assertTrue(loop.isTerminated());
        assertFalse(ch.isOpen());
        assertNull(((NetmapChannel) ch).port(), "the port was unmapped when the loop shut down");
    }
}
