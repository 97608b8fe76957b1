package io.netmap4j.tools;

import io.netmap4j.handler.expr.FilterExpression;
import io.netmap4j.handler.frame.FrameBuilder;
import io.netmap4j.handler.frame.FramePredicate;
import io.netmap4j.handler.frame.FrameView;
import io.netmap4j.handler.testing.RandomFrames;
import io.netmap4j.handler.testing.SampleFrames;
import io.netmap4j.user.nic.VethPair;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netmap4j.netty.NetmapIoHandler;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tools on network interfaces, as on pipes: veth pairs the test makes, one end opened by the
 * tool (AF_XDP where it loads, AF_PACKET otherwise, as on the command line) and the other in a
 * network namespace of its own, where tcpreplay sends and tcpdump listens. Nothing leaves the
 * pairs; the namespace ends have no address and IPv6 off, so their kernels add no frames.
 */
class ToolsOnVethTest {
    private static final long PID = ProcessHandle.current().pid();
    private static EventLoopGroup consumers;
    private final List<VethPair> pairs = new ArrayList<>();

    @BeforeAll
    static void requirements() {
        VethPair.requireSupport();
        VethPair.requirePrograms("tcpdump", "tcpreplay");
        consumers = new MultiThreadIoEventLoopGroup(1, NetmapIoHandler.newFactory());
    }

    @AfterAll
    static void stop() {
        if (consumers != null) {
            consumers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @AfterEach
    void removePairs() {
        pairs.forEach(VethPair::close);
    }

    private VethPair pair() throws IOException {
        VethPair p = VethPair.create();
        pairs.add(p); // removed after the test even if the move below fails
        return p.moveToNamespace(null);
    }

    /** Untagged frames of many kinds (the kernel takes VLAN tags off frames veth receives). */
    private static List<byte[]> frames() {
        List<byte[]> frames = new ArrayList<>(RandomFrames.untagged(31, 200));
        FrameView v = new FrameView();
        for (byte[] f : SampleFrames.all()) {
            if (!v.wrap(Unpooled.wrappedBuffer(f)).hasLayer(FrameView.VLAN)) {
                frames.add(f);
            }
        }
        return frames;
    }

    private static List<String> hex(List<byte[]> frames) {
        return frames.stream().map(ByteBufUtil::hexDump).toList();
    }

    private static PrintStream print(ByteArrayOutputStream b) {
        return new PrintStream(b, true, StandardCharsets.UTF_8);
    }

    /** tcpdump on the namespace end of {@code p}, writing the first {@code count} frames it receives to {@code out}. */
    private static Process tcpdump(VethPair p, Path out, int count) throws IOException, InterruptedException {
        Process tcpdump = new ProcessBuilder(p.inNamespace("tcpdump", "-i", p.b, "-Q", "in", "-U", "-w", out.toString(),
                "-c", Integer.toString(count))).redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(tcpdump.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = r.readLine()) != null; ) {
            if (line.contains("listening on")) {
                return tcpdump;
            }
        }
        throw new IOException("tcpdump on " + p.b + " ended before it listened (exit " + tcpdump.waitFor(5, TimeUnit.SECONDS) + ")");
    }

    /** What tcpdump wrote, once it has seen its count. */
    private static List<String> captured(Process tcpdump, Path out) throws Exception {
        try {
            assertTrue(tcpdump.waitFor(30, TimeUnit.SECONDS), "tcpdump did not see all the frames it waited for");
            return CaptureReplayTest.frames(out);
        } finally {
            tcpdump.destroyForcibly();
        }
    }

    /** tcpreplay sends {@code pcap} from the namespace end of {@code p}, 20000 frames a second. */
    private static void tcpreplay(VethPair p, Path pcap) throws IOException {
        VethPair.Result r = VethPair.run(p.inNamespace("tcpreplay", "-q", "--pps=20000", "-i", p.b, pcap.toString()), true);
        assertEquals(0, r.code(), "tcpreplay:\n" + r.output());
    }

    @Test
    void replayOntoAnInterfaceSendsWhatTcpdumpSeesThere(@TempDir Path dir) throws Exception {
        VethPair p = pair();
        List<byte[]> frames = frames();
        Path pcap = SampleFrames.write(dir.resolve("in.pcap"), frames);
        Path seen = dir.resolve("seen.pcap");
        Process tcpdump = tcpdump(p, seen, frames.size());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Replay.Result r = Replay.execute(new String[] {"-i", "netmap:" + p.a, "-f", pcap.toString(), "-R", "20000", "-q"},
                print(new ByteArrayOutputStream()), print(err), false);
        assertEquals(0, r.exitCode(), err.toString(StandardCharsets.UTF_8));
        assertEquals(frames.size(), r.sent());
        assertEquals(hex(frames), captured(tcpdump, seen), "what tcpdump saw on " + p.b);
    }

    @Test
    void captureOfAnInterfaceHoldsWhatTcpreplaySent(@TempDir Path dir) throws Exception {
        VethPair p = pair();
        List<byte[]> frames = frames();
        Path pcap = SampleFrames.write(dir.resolve("in.pcap"), frames);
        Path out = dir.resolve("captured.pcap");
        CountDownLatch ready = new CountDownLatch(1);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Capture.Result> capture = CompletableFuture.supplyAsync(() -> Capture.execute(
                new String[] {"-i", "netmap:" + p.a, "-w", out.toString(), "-c", Integer.toString(frames.size()), "-q", "-T", "60"},
                print(new ByteArrayOutputStream()), print(err), false, ready::countDown));
        assertTrue(ready.await(20, TimeUnit.SECONDS), "capture did not open " + p.a + ": " + err);
        tcpreplay(p, pcap);
        Capture.Result r = capture.get(40, TimeUnit.SECONDS);
        assertEquals(0, r.exitCode(), err.toString(StandardCharsets.UTF_8));
        assertEquals(hex(frames), CaptureReplayTest.frames(out), "what capture wrote");
    }

    @Test
    void filterBetweenTwoInterfacesForwardsWhatTheRulesAllow(@TempDir Path dir) throws Exception {
        VethPair from = pair();
        VethPair to = pair();
        List<byte[]> frames = frames();
        Path pcap = SampleFrames.write(dir.resolve("in.pcap"), frames);
        Path rules = Files.writeString(dir.resolve("rules.txt"), """
                deny udp from any to any port 53
                deny ip from 192.168.0.0/16 to any
                allow any
                """);
        FramePredicate denied = FilterExpression.compile("udp dst port 53 or ip src net 192.168.0.0/16");
        FrameView v = new FrameView();
        List<String> expected = new ArrayList<>();
        for (byte[] f : frames) {
            assertTrue(v.wrap(Unpooled.wrappedBuffer(f)).isValid(), v.describe());
            if (!denied.test(v)) {
                expected.add(ByteBufUtil.hexDump(f));
            }
        }
        assertTrue(expected.size() > 50 && expected.size() < frames.size() - 20, "the rules pass some and stop some");
        Path seen = dir.resolve("seen.pcap");
        Process tcpdump = tcpdump(to, seen, expected.size());
        RunningTool<Filter.Result> filter = RunningTool.start(Filter::execute,
                "-i", "netmap:" + from.a, "-o", "netmap:" + to.a, "-f", rules.toString(), "-q", "-T", "60");
        tcpreplay(from, pcap);
        List<String> got = captured(tcpdump, seen);
        Filter.Result r = filter.stop();
        assertEquals(0, r.exitCode(), filter.report());
        assertEquals(expected, got, "what tcpdump saw behind the filter");
        assertEquals(expected.size(), r.allowed());
        assertEquals(frames.size() - expected.size(), r.denied());
    }

    @Test
    void lbFromAnInterfaceKeepsBothDirectionsOfEachFlowOnOnePipe(@TempDir Path dir) throws Exception {
        VethPair in = pair();
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String a = "10.0." + (i / 10) + "." + (i + 1);
            String b = "10.9.0." + (i % 7 + 1);
            frames.add(new FrameBuilder().ipv4(a, b).udp(1000 + i, 53).build());
            frames.add(new FrameBuilder().ipv4(b, a).udp(53, 1000 + i).build());
        }
        Path pcap = SampleFrames.write(dir.resolve("flows.pcap"), frames);
        String name = "lbv" + PID;
        List<Channel> sinks = new ArrayList<>();
        FrameCollector[] outs = FrameCollector.bindEach(consumers, "netmap:" + name + "}", 4, sinks);
        try {
            RunningTool<Lb.Result> lb = RunningTool.start(Lb::execute, "-i", "netmap:" + in.a, "-p", name + ":4", "-q", "-T", "60");
            tcpreplay(in, pcap);
            FrameCollector.await(() -> FrameCollector.total(outs) >= frames.size(), "every frame at some pipe");
            assertEquals(0, lb.stop().exitCode(), lb.report());
        } finally {
            for (Channel c : sinks) {
                c.close().sync();
            }
        }
        Map<String, Integer> pipeOf = new HashMap<>();
        int used = 0;
        for (int k = 0; k < 4; k++) {
            used += outs[k].frames.isEmpty() ? 0 : 1;
            for (String f : outs[k].frames) {
                pipeOf.put(f, k);
            }
        }
        assertEquals(frames.size(), pipeOf.size(), "every frame once");
        assertTrue(used >= 3, "40 flows over 4 pipes left " + (4 - used) + " pipes empty");
        for (int i = 0; i < frames.size(); i += 2) {
            assertEquals(pipeOf.get(ByteBufUtil.hexDump(frames.get(i))), pipeOf.get(ByteBufUtil.hexDump(frames.get(i + 1))),
                    "the two directions of flow " + i / 2 + " split");
        }
    }
}
