package io.netmap4j.netty.testsuite;

import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapIoHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pairs of netmap channels this machine can test: two ends that see each other's frames.
 * Each combo makes a fresh pair of port names for every run; a test binds the "server" bootstrap
 * to one end and the "client" bootstrap to the other with {@link #bind(Bootstrap)}.
 *
 * <p>Today: a user-space pipe inside this JVM, with RX in copy mode and in zero-copy mode (with
 * and without extra buffers). VALE, emulated NICs and the kernel backend join here as they become
 * available. Pipes across processes cannot be a pair here (a bootstrap does not cross a process):
 * {@link NetmapCrossProcessEchoTest} runs the peer channel in a child JVM instead.
 */
final class NetmapTestPermutation {
    private static final AttributeKey<String> PORT_NAME = AttributeKey.valueOf(NetmapTestPermutation.class, "PORT_NAME");
    private static final AtomicInteger NEXT_PIPE = new AtomicInteger();
    private static final long PID = ProcessHandle.current().pid();

    private NetmapTestPermutation() {
    }

    /** A new pipe name prefix, unique in this machine for the life of the JVM. */
    static String newPipeName() {
        return "netmap:nt" + PID + "p" + NEXT_PIPE.incrementAndGet();
    }

    /**
     * Two loops, so that the two ends of a pair usually run on different threads. Each test class
     * makes its own group (and shuts it down), because Netty's leak-presence check ties a loop's
     * threads to the test class that started them.
     */
    static EventLoopGroup newGroup() {
        return new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("testsuite-netmap", true),
                NetmapIoHandler.newFactory());
    }

    static List<BootstrapComboFactory<Bootstrap, Bootstrap>> pairs(EventLoopGroup group) {
        return List.of(new PipePair(group, "copy", 0, false), new PipePair(group, "zero-copy", 0, true),
                new PipePair(group, "zero-copy+extra", 64, true));
    }

    /** Binds a bootstrap made by one of the {@link #pairs()} to its end of the pair. */
    static Channel bind(Bootstrap b) throws InterruptedException {
        String name = (String) b.config().attrs().get(PORT_NAME);
        return b.bind(NetmapAddress.of(name)).sync().channel();
    }

    /** The two ends of a user-space pipe ({@code x{1} and {@code x}1}). */
    private static final class PipePair implements BootstrapComboFactory<Bootstrap, Bootstrap> {
        private final EventLoopGroup group;
        private final String label;
        private final int extraBuffers;
        private final boolean zeroCopy;
        private String current;

        PipePair(EventLoopGroup group, String label, int extraBuffers, boolean zeroCopy) {
            this.group = group;
            this.label = label;
            this.extraBuffers = extraBuffers;
            this.zeroCopy = zeroCopy;
        }

        @Override
        public Bootstrap newServerInstance() {
            current = newPipeName();
            return bootstrap(current + "{1");
        }

        @Override
        public Bootstrap newClientInstance() {
            return bootstrap(current + "}1");
        }

        private Bootstrap bootstrap(String name) {
            return new Bootstrap().group(group).channel(NetmapChannel.class)
                    .option(NetmapChannelOption.RX_ZERO_COPY, zeroCopy)
                    .option(NetmapChannelOption.RX_EXTRA_BUFFERS, extraBuffers)
                    .attr(PORT_NAME, name);
        }

        @Override
        public String toString() {
            return "pipe(" + label + ")";
        }
    }
}
