package io.netmap4j.tools;

import io.netmap4j.handler.expr.FilterExpression;
import io.netmap4j.handler.filter.FilterHandler;
import io.netmap4j.handler.filter.RuleTable;
import io.netmap4j.handler.lb.LoadBalancerHandler;
import io.netmap4j.handler.pcap.PcapCaptureHandler;
import io.netmap4j.handler.pcap.PcapWriter;
import io.netmap4j.handler.frame.FrameBuilder;
import io.netmap4j.handler.frame.FramePredicate;
import io.netmap4j.handler.frame.FrameView;
import io.netmap4j.handler.testing.RandomFrames;
import io.netmap4j.handler.testing.SampleFrames;
import io.netmap4j.netty.NetmapAddress;
import io.netmap4j.netty.NetmapChannel;
import io.netmap4j.netty.NetmapChannelOption;
import io.netmap4j.netty.NetmapIoHandler;
import io.netmap4j.netty.NetmapRxBatch;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** tools/filter and tools/lb between real user-space pipes, fed by tools/replay. */
class FilterLbTest {
    private static final long PID = ProcessHandle.current().pid();
    private static EventLoopGroup consumers;

    @BeforeAll
    static void start() {
        consumers = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        consumers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static PrintStream print(ByteArrayOutputStream b) {
        return new PrintStream(b, true, StandardCharsets.UTF_8);
    }

    private static void replay(String port, Path pcap) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Replay.Result r = Replay.execute(new String[] {"-i", port, "-f", pcap.toString(), "-q"},
                print(new ByteArrayOutputStream()), print(err), false);
        assertEquals(0, r.exitCode(), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void filterForwardsWhatTheRulesAllow(@TempDir Path dir) throws Exception {
        List<byte[]> frames = new ArrayList<>(RandomFrames.untagged(77, 300));
        frames.addAll(SampleFrames.all());
        Path pcap = SampleFrames.write(dir.resolve("in.pcap"), frames);
        Path rules = Files.writeString(dir.resolve("rules.txt"), """
                default allow
                count tcp from any to any port 80
                deny udp from any to any port 53
                deny ip from 192.168.0.0/16 to any
                deny ip6 from any to 2001:db8::1
                allow any
                """);
        // The same policy as a filter expression, to know what must come through.
        FramePredicate denied = FilterExpression.compile(
                "udp dst port 53 or ip src net 192.168.0.0/16 or ip6 dst host 2001:db8::1");
        FrameView v = new FrameView();
        List<String> expected = new ArrayList<>();
        for (byte[] f : frames) {
            if (!v.wrap(Unpooled.wrappedBuffer(f)).isValid() || !denied.test(v)) {
                expected.add(ByteBufUtil.hexDump(f));
            }
        }
        String pipe = "netmap:flt" + PID;
        FrameCollector out = new FrameCollector();
        Channel sink = FrameCollector.bind(consumers, pipe + "}1", out);
        RunningTool<Filter.Result> filter = RunningTool.start(Filter::execute,
                "-i", pipe + "}0", "-o", pipe + "{1", "-f", rules.toString(), "-q", "-T", "60");
        replay(pipe + "{0", pcap);
        FrameCollector.await(() -> out.frames.size() >= expected.size(), "the allowed frames");
        Filter.Result r = filter.stop();
        sink.close().sync();
        assertEquals(0, r.exitCode(), filter.report());
        assertEquals(expected, out.frames);
        assertEquals(expected.size(), r.allowed());
        assertEquals(frames.size() - expected.size(), r.denied());
        long port80 = frames.stream().filter(f -> FilterExpression.compile("tcp dst port 80")
                .test(new FrameView().wrap(Unpooled.wrappedBuffer(f)))).count();
        assertEquals(port80, r.counters().frames()[0], "the count rule");
        assertTrue(filter.report().contains("line 2: count tcp from any to any port 80"), filter.report());
    }

    @Test
    void lbKeepsBothDirectionsOfEachFlowOnOnePipe(@TempDir Path dir) throws Exception {
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String a = "10.0." + (i / 10) + "." + (i + 1);
            String b = "10.9.0." + (i % 7 + 1);
            frames.add(new FrameBuilder().ipv4(a, b).udp(1000 + i, 53).build());
            frames.add(new FrameBuilder().ipv4(b, a).udp(53, 1000 + i).build());
            frames.add(new FrameBuilder().ipv6("2001:db8::" + (i + 1), "2001:db8:9::1").tcp(2000 + i, 443).build());
            frames.add(new FrameBuilder().ipv6("2001:db8:9::1", "2001:db8::" + (i + 1)).tcp(443, 2000 + i).build());
        }
        frames.add(new FrameBuilder().ipv4("10.0.0.1", "10.0.0.2").fragment(8, false).ipProtocol(17).payloadLength(16).build());
        frames.add(new FrameBuilder().arp(1, 2, "10.0.0.1", 0, "10.0.0.2").build());
        Path pcap = SampleFrames.write(dir.resolve("flows.pcap"), frames);
        String name = "lbt" + PID;
        List<Channel> sinks = new ArrayList<>();
        FrameCollector[] outs = FrameCollector.bindEach(consumers, "netmap:" + name + "}", 4, sinks);
        RunningTool<Lb.Result> lb = RunningTool.start(Lb::execute, "-i", "netmap:" + name + "}99", "-p", "4", "-q", "-T", "60");
        replay("netmap:" + name + "{99", pcap);
        FrameCollector.await(() -> FrameCollector.total(outs) >= frames.size(), "every frame at some pipe");
        Lb.Result r = lb.stop();
        for (Channel c : sinks) {
            c.close().sync();
        }
        assertEquals(0, r.exitCode(), lb.report());
        Map<String, Integer> pipeOf = new HashMap<>();
        for (int k = 0; k < 4; k++) {
            assertTrue(outs[k].frames.size() > 20, "pipe " + k + " got only " + outs[k].frames.size() + " frames");
            for (String f : outs[k].frames) {
                pipeOf.put(f, k);
            }
        }
        for (int i = 0; i + 1 < 240; i += 2) {
            String there = ByteBufUtil.hexDump(frames.get(i));
            String back = ByteBufUtil.hexDump(frames.get(i + 1));
            assertEquals(pipeOf.get(there), pipeOf.get(back), "the two directions of flow " + i / 2 + " split");
        }
        assertEquals(0, pipeOf.get(ByteBufUtil.hexDump(frames.get(240))), "a fragment goes to the default pipe");
        assertEquals(0, pipeOf.get(ByteBufUtil.hexDump(frames.get(241))), "ARP goes to the default pipe");
        assertEquals(2, r.unhashed());
        assertTrue(lb.report().contains("netmap:" + name + "{3: "), lb.report());
    }

    /** The network-function example of the README, as written there (pipe names made unique). */
    @Test
    void theReadmeExampleTapsFiltersAndBalances(@TempDir Path dir) throws Exception {
        String nf = "netmap:nfx" + PID;
        Path tap = dir.resolve("in.pcap");
        // --- README example begins (with nf for "netmap:nf" and tap for Path.of("in.pcap")) ---
        RuleTable rules = RuleTable.parse("""
                allow udp to any port 53
                allow tcp to 10.0.0.0/8 port 80-443
                deny any
                """, "inline rules");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory());
        Bootstrap b = new Bootstrap().group(group).channel(NetmapChannel.class)
                .option(NetmapChannelOption.RX_ZERO_COPY, true);
        Channel[] workers = new Channel[4];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = b.clone().handler(new ChannelInboundHandlerAdapter())
                    .bind(NetmapAddress.of(nf + "{" + i)).sync().channel();
        }
        PcapWriter pcap = PcapWriter.create(tap);
        Channel input = b.clone().option(NetmapChannelOption.RX_BATCH, true) // whole RX batches: see below
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(
                                new PcapCaptureHandler(pcap).filter(FilterExpression.compile("not arp")),
                                new FilterHandler(rules),
                                new LoadBalancerHandler(workers, 0));
                    }
                }).bind(NetmapAddress.of(nf + "}99")).sync().channel();
        // --- README example ends ---
        List<Channel> sinks = new ArrayList<>();
        FrameCollector[] outs = FrameCollector.bindEach(consumers, nf + "}", 4, sinks);
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            frames.add(new FrameBuilder().ipv4("192.168.0." + (i + 1), "10.0.0.53").udp(5000 + i, 53).build());
            frames.add(new FrameBuilder().ipv4("192.168.0." + (i + 1), "10.1.0.1").tcp(5000 + i, 8080).build());
        }
        frames.add(new FrameBuilder().arp(1, 2, "10.0.0.1", 0, "10.0.0.2").build());
        replay(nf + "{99", SampleFrames.write(dir.resolve("send.pcap"), frames));
        FrameCollector.await(() -> FrameCollector.total(outs) >= 40, "the DNS frames at the workers");
        Thread.sleep(100);
        input.close().sync();
        for (Channel c : workers) {
            c.close().sync();
        }
        for (Channel c : sinks) {
            c.close().sync();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        int total = 0;
        for (FrameCollector c : outs) {
            total += c.frames.size();
            for (String f : c.frames) {
                assertTrue(f.contains("0035"), "only DNS may pass: " + f);
            }
        }
        assertEquals(40, total, "the 40 DNS frames pass, the TCP to 8080 and the ARP do not");
        try (var reader = io.netmap4j.handler.pcap.PcapReader.open(tap)) {
            int n = 0;
            while (reader.next() != null) {
                n++;
            }
            assertEquals(80, n, "the tap saw everything but ARP, before the filter");
        }
    }

    @Test
    void theReadmeBatchExampleRewritesUdpAndDropsTheRest(@TempDir Path dir) throws Exception {
        String nf = "netmap:nfb" + PID;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory());
        Bootstrap b = new Bootstrap().group(group).channel(NetmapChannel.class)
                .option(NetmapChannelOption.RX_ZERO_COPY, true);
        // --- README example begins (with nf for "netmap:nf") ---
        Channel out = b.clone().handler(new ChannelInboundHandlerAdapter())   // same loop, same parent:
                .bind(NetmapAddress.of(nf + "{98")).sync().channel();      // frames move by buffer index
        Channel in = b.clone().option(NetmapChannelOption.RX_BATCH, true)
                .handler(new ChannelInboundHandlerAdapter() {
                    private final FrameView v = new FrameView();

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        NetmapRxBatch batch = (NetmapRxBatch) msg;
                        for (int i = 0; i < batch.size(); i++) {
                            if (v.wrap(batch.frame(i)).hasLayer(FrameView.UDP)) {
                                v.swapMacs();                  // rewritten in place, in its netmap buffer
                            } else {
                                batch.drop(i);                 // goes nowhere
                            }
                        }
                        out.write(batch);                      // every frame left, into out's TX slots
                    }

                    @Override
                    public void channelReadComplete(ChannelHandlerContext ctx) {
                        out.flush();                           // one txsync for the whole read
                    }
                }).bind(NetmapAddress.of(nf + "}97")).sync().channel();
        // --- README example ends ---
        FrameCollector collected = new FrameCollector();
        Channel sink = FrameCollector.bind(consumers, nf + "}98", collected);
        List<byte[]> frames = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            FrameBuilder udp = new FrameBuilder().source(0x0200_0000_0000L + i).destination(0x0400_0000_0000L + i)
                    .ipv4("192.168.0.1", "10.0.0.2").udp(1000 + i, 53);
            frames.add(udp.build());
            expected.add(ByteBufUtil.hexDump(new FrameBuilder().source(0x0400_0000_0000L + i)
                    .destination(0x0200_0000_0000L + i).ipv4("192.168.0.1", "10.0.0.2").udp(1000 + i, 53).build()));
            frames.add(new FrameBuilder().ipv4("192.168.0.1", "10.0.0.2").tcp(1000 + i, 80).build());
        }
        try {
            replay(nf + "{97", SampleFrames.write(dir.resolve("send.pcap"), frames));
            FrameCollector.await(() -> collected.frames.size() >= 300, "the UDP frames");
            Thread.sleep(100);
            assertEquals(expected, List.copyOf(collected.frames), "each UDP frame with its MACs swapped, in order; no TCP");
            long moved = out.eventLoop().submit(() -> ((NetmapChannel) out).txZeroCopyFrames()).get();
            assertEquals(300, moved, "every frame moved into the TX ring by buffer index");
        } finally {
            in.close().sync();
            out.close().sync();
            sink.close().sync();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void anLbWhoseInputClosesDuringTheRunFailsIt() throws Exception {
        String name = "netmap:lbx" + PID;
        List<Channel> sinks = new ArrayList<>();
        FrameCollector.bindEach(consumers, name + "}", 2, sinks); // consumers, so that the lb never pauses
        try (ChildTool tx = ChildTool.start(PktGen.class, "pkt-gen ", "-f", "tx", "-i", name + "{99", "-R", "100000",
                "-T", "60", "-q")) {
            tx.killAfter(1500);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Lb.Result r = Lb.execute(new String[] {"-i", name + "}99", "-p", "2", "-q", "-T", "60"}, print(out), print(out),
                    false, null);
            String text = out.toString(StandardCharsets.UTF_8);
            assertEquals(1, r.exitCode(), text);
            assertTrue(text.contains("lb: " + name + "}99 closed during the run"), text);
        } finally {
            for (Channel c : sinks) {
                c.close().sync();
            }
        }
    }

    @Test
    void baseNamesAreTakenAsNetmapsLbDoes() {
        assertEquals("eth0", Lb.baseName("netmap:eth0-1"));
        assertEquals("lb", Lb.baseName("netmap:lb}99"));
        assertEquals("x", Lb.baseName("x{3"));
    }
}
