package io.netmap4j.netty.testsuite;

import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapIoHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.testsuite.transport.TestsuitePermutation.BootstrapComboFactory;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;

import io.netmap4j.user.nic.NicMechanism;
import io.netmap4j.user.nic.VethPair;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pairs of netmap channels this machine can test: two ends that see each other's frames.
 * Each combo makes a fresh pair of port names for every run; a test binds the "server" bootstrap
 * to one end and the "client" bootstrap to the other with {@link #bind(Bootstrap)}.
 *
 * <p>Today: a user-space pipe inside this JVM, with RX in copy mode and in zero-copy mode (with
 * and without extra buffers); two ports of a user-space VALE switch made for each run (copy and
 * zero-copy RX); and, where this process may make veth pairs (root), a veth pair opened as two NIC
 * ports through AF_XDP (zero-copy RX) and through AF_PACKET (copy RX). The kernel backend joins
 * here when it becomes available. Ports across processes cannot be a pair here (a bootstrap does
 * not cross a process):
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

    /** The two loops of a {@link #newGroup()} group, for tests that place channels on one or the other. */
    static EventLoop[] twoLoops(EventLoopGroup group) {
        Iterator<EventExecutor> loops = group.iterator();
        EventLoop first = (EventLoop) loops.next();
        EventLoop second = (EventLoop) loops.next();
        if (first == second) {
            throw new IllegalStateException("the group needs two loops");
        }
        return new EventLoop[] {first, second};
    }

    static List<BootstrapComboFactory<Bootstrap, Bootstrap>> pairs(EventLoopGroup group) {
        List<BootstrapComboFactory<Bootstrap, Bootstrap>> pairs = new ArrayList<>(List.of(
                new PipePair(group, "copy", 0, false), new PipePair(group, "zero-copy", 0, true),
                new PipePair(group, "zero-copy+extra", 64, true), new ValePair(group, false),
                new ValePair(group, true)));
        if (VethPair.unsupportedReason() == null) {
            pairs.add(new VethCombo(group, NicMechanism.XDP, true));
            pairs.add(new VethCombo(group, NicMechanism.PACKET, false));
        } else if (!vethSkipLogged) {
            vethSkipLogged = true;
            System.err.println("netmap testsuite: no veth permutations: " + VethPair.unsupportedReason());
        }
        return pairs;
    }

    private static boolean vethSkipLogged;
    /** Pairs made by the veth permutations, removed by {@link #removeVethPairs()}. */
    private static final List<VethPair> VETHS = new ArrayList<>();

    /** Removes the veth pairs the permutations made; the test classes call it when they end. */
    static synchronized void removeVethPairs() {
        for (VethPair p : VETHS) {
            p.close();
        }
        VETHS.clear();
    }

    private static synchronized VethPair newVethPair() {
        removeVethPairs(); // the previous run's channels are closed: its pair goes, with any frame left in it
        try {
            VethPair p = VethPair.create();
            VETHS.add(p);
            // room for the NS_MOREFRAG tests' 9000-byte frames
            VethPair.check(List.of("ip", "link", "set", p.a, "mtu", "9000"));
            VethPair.check(List.of("ip", "link", "set", p.b, "mtu", "9000"));
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The port name of the other end of the pair that {@code name} belongs to: the other end of a
     * pipe, the other port of a VALE pair, or the other end of a veth pair, to open with the raw
     * API.
     */
    static String peerOf(String name) {
        if (name.contains("{")) {
            return name.replace('{', '}');
        }
        if (name.contains("}")) {
            return name.replace('}', '{');
        }
        if (name.startsWith("vale") && name.contains(":a")) {
            return name.replace(":a", ":b");
        }
        if (name.startsWith("vale") && name.contains(":b")) {
            return name.replace(":b", ":a");
        }
        synchronized (NetmapTestPermutation.class) {
            for (VethPair p : VETHS) {
                if (name.startsWith("netmap:" + p.a)) {
                    return name.replace(p.a, p.b);
                }
                if (name.startsWith("netmap:" + p.b)) {
                    return name.replace(p.b, p.a);
                }
            }
        }
        throw new IllegalArgumentException(name + " is not an end of a pair of this testsuite");
    }

    /** Only the pipe pairs: for tests of what a pipe does and a switch or a NIC cannot (push back on a sender). */
    static List<BootstrapComboFactory<Bootstrap, Bootstrap>> pipePairs(EventLoopGroup group) {
        return pairs(group).stream().filter(f -> f instanceof PipePair).toList();
    }

    /** Every pair but the VALE ones: for tests that a switch's drops for a full reader would fail. */
    static List<BootstrapComboFactory<Bootstrap, Bootstrap>> pairsWithoutSwitches(EventLoopGroup group) {
        return pairs(group).stream().filter(f -> !(f instanceof ValePair)).toList();
    }

    /**
     * True if {@code b} binds a pipe end, whose peer waits for room instead of dropping: a switch
     * drops for a full reader, and so do a NIC's queues (and a slow machine fills them).
     */
    static boolean pushesBack(Bootstrap b) {
        String name = (String) b.config().attrs().get(PORT_NAME);
        return name != null && (name.contains("{") || name.contains("}"));
    }

    /** True if {@code b} binds a port of a VALE switch (which drops for a full reader instead of pushing back). */
    static boolean isSwitchPort(Bootstrap b) {
        String name = (String) b.config().attrs().get(PORT_NAME);
        return name != null && name.startsWith("vale");
    }

    /** A new VALE switch name, unique in this machine for the life of the JVM. */
    static String newSwitchName() {
        return "valent" + PID + "s" + NEXT_PIPE.incrementAndGet();
    }

    /** Binds a bootstrap made by one of the {@link #pairs()} to its end of the pair. */
    static Channel bind(Bootstrap b) throws InterruptedException {
        String name = (String) b.config().attrs().get(PORT_NAME);
        return b.bind(NetmapAddress.of(name)).sync().channel();
    }

    /**
     * The two ends of a veth pair made for each run, both in this network namespace, each bound
     * as a netmap NIC port through one mechanism ({@code netmap:A} and {@code netmap:B}).
     */
    private static final class VethCombo implements BootstrapComboFactory<Bootstrap, Bootstrap> {
        private final EventLoopGroup group;
        private final NicMechanism mechanism;
        private final boolean zeroCopy;
        private VethPair current;

        VethCombo(EventLoopGroup group, NicMechanism mechanism, boolean zeroCopy) {
            this.group = group;
            this.mechanism = mechanism;
            this.zeroCopy = zeroCopy;
        }

        @Override
        public Bootstrap newServerInstance() {
            current = newVethPair();
            return bootstrap("netmap:" + current.a + RINGS);
        }

        @Override
        public Bootstrap newClientInstance() {
            return bootstrap("netmap:" + current.b + RINGS);
        }

        /**
         * A NIC drops what arrives while its RX ring is full, and a loop busy sending (the tests
         * write thousands of frames at once) reads late: rings large enough for every frame a test
         * has in flight keep the permutation lossless, as a pipe is.
         */
        private static final String RINGS = "@conf:slots=4096";

        private Bootstrap bootstrap(String name) {
            return new Bootstrap().group(group).channel(NetmapChannel.class)
                    .option(NetmapChannelOption.BACKEND, "user")
                    .option(NetmapChannelOption.NIC_MECHANISM, mechanism.id())
                    .option(NetmapChannelOption.RX_ZERO_COPY, zeroCopy)
                    // a NIC drops what arrives while its RX ring is full: extra buffers keep the ring
                    // moving while handlers hold zero-copy frames (echoes being sent, for example)
                    .option(NetmapChannelOption.RX_EXTRA_BUFFERS, zeroCopy ? 1024 : 0)
                    .attr(PORT_NAME, name);
        }

        @Override
        public String toString() {
            return "veth(" + mechanism + (zeroCopy ? ", zero-copy RX" : "") + ")";
        }
    }

    /**
     * Two ports of a user-space VALE switch made for each run ({@code valeS:a} and
     * {@code valeS:b}). A switch does not push back on a sender: it drops what a full receiver
     * cannot hold. Rings of 4096 slots (and extra buffers in zero-copy mode, so held frames do not
     * stop the ring) keep the tests' bursts inside the receiver's ring, as pipes do by pushing back.
     */
    private static final class ValePair implements BootstrapComboFactory<Bootstrap, Bootstrap> {
        private final EventLoopGroup group;
        private final boolean zeroCopy;
        private String current;

        ValePair(EventLoopGroup group, boolean zeroCopy) {
            this.group = group;
            this.zeroCopy = zeroCopy;
        }

        @Override
        public Bootstrap newServerInstance() {
            current = newSwitchName();
            return bootstrap(current + ":a");
        }

        @Override
        public Bootstrap newClientInstance() {
            return bootstrap(current + ":b");
        }

        private Bootstrap bootstrap(String name) {
            return new Bootstrap().group(group).channel(NetmapChannel.class)
                    .option(NetmapChannelOption.BACKEND, "user")
                    .option(NetmapChannelOption.RX_ZERO_COPY, zeroCopy)
                    .option(NetmapChannelOption.RX_EXTRA_BUFFERS, zeroCopy ? 1024 : 0)
                    .attr(PORT_NAME, name + "@conf:slots=4096");
        }

        @Override
        public String toString() {
            return "vale(" + (zeroCopy ? "zero-copy" : "copy") + ")";
        }
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
