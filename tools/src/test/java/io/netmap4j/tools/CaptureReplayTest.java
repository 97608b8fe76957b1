package io.netmap4j.tools;

import io.netmap4j.handler.pcap.PcapReader;
import io.netmap4j.handler.pcap.PcapRecord;
import io.netmap4j.handler.testing.Decoders;
import io.netmap4j.handler.testing.SampleFrames;
import org.junit.jupiter.api.Assumptions;
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
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * capture and replay over a user-space pipe: a pcap written by tcpdump (pings on the loopback of a
 * network namespace the test makes) goes through replay and capture unchanged, tcpdump reads our
 * capture, filters select what they should, and paces hold.
 */
class CaptureReplayTest {
    private static final long PID = ProcessHandle.current().pid();
    private static int pipes;

    private static String pipe() {
        return "netmap:crt" + PID + "x" + (pipes++);
    }

    private static PrintStream print(ByteArrayOutputStream b) {
        return new PrintStream(b, true, StandardCharsets.UTF_8);
    }

    /** Captures {@code frames} frames of {@code pipe}'s slave end into {@code out} while {@code sender} sends on the master end. */
    private static Capture.Result captureWhile(String pipe, Path out, long frames, String expression, Runnable sender)
            throws Exception {
        CountDownLatch ready = new CountDownLatch(1);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> args = new ArrayList<>(List.of("-i", pipe + "}0", "-w", out.toString(), "-c", Long.toString(frames),
                "-q", "-T", "30"));
        if (expression != null) {
            args.add(expression);
        }
        CompletableFuture<Capture.Result> capture = CompletableFuture.supplyAsync(() ->
                Capture.execute(args.toArray(String[]::new), print(new ByteArrayOutputStream()), print(err), false, ready::countDown));
        assertTrue(ready.await(20, TimeUnit.SECONDS), "capture did not open its port: " + err);
        sender.run();
        Capture.Result r = capture.get(40, TimeUnit.SECONDS);
        assertEquals(0, r.exitCode(), err.toString(StandardCharsets.UTF_8));
        return r;
    }

    private static Replay.Result replay(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Replay.Result r = Replay.execute(args, print(out), print(err), false);
        assertEquals(0, r.exitCode(), out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8));
        return r;
    }

    /** The frames of a pcap file, as hex, in order. */
    static List<String> frames(Path pcap) throws IOException {
        List<String> out = new ArrayList<>();
        try (PcapReader r = PcapReader.open(pcap)) {
            for (PcapRecord rec; (rec = r.next()) != null; ) {
                out.add(HexFormat.of().formatHex(rec.data()));
            }
        }
        return out;
    }

    @Test
    void aTcpdumpCaptureRoundTripsExactly(@TempDir Path dir) throws Exception {
        Path original = tcpdumpPings(dir.resolve("tcpdump.pcap"), 8);
        List<String> sent = frames(original);
        assertEquals(16, sent.size(), "tcpdump should have seen 8 echo requests and 8 replies");
        Path captured = dir.resolve("captured.pcap");
        String pipe = pipe();
        Capture.Result r = captureWhile(pipe, captured, sent.size(), null,
                () -> assertEquals(sent.size(), replay("-i", pipe + "{0", "-f", original.toString(), "-q").sent()));
        assertEquals(sent.size(), r.captured());
        assertEquals(sent, frames(captured), "the frames came back changed or reordered");
        // tcpdump reads our file and sees byte for byte what it wrote itself.
        assertEquals(Decoders.tcpdumpHex(original), Decoders.tcpdumpHex(captured));
        Decoders.Result text = Decoders.tcpdump("-n", "-r", captured.toString());
        assertEquals(0, text.exitCode(), text.err());
        assertTrue(text.out().contains("ICMP echo request") && text.out().contains("ICMP echo reply"), text.out());
    }

    @Test
    void aFilterExpressionCapturesOnlyWhatMatches(@TempDir Path dir) throws Exception {
        Path samples = SampleFrames.write(dir.resolve("samples.pcap"), SampleFrames.all());
        // The same expression applied to the file (capture -r) says how many frames should come through.
        Path expected = dir.resolve("expected.pcap");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Capture.Result offline = Capture.execute(new String[] {"-r", samples.toString(), "-w", expected.toString(),
            "udp or arp"}, print(new ByteArrayOutputStream()), print(err), false, null);
        assertEquals(0, offline.exitCode(), err.toString(StandardCharsets.UTF_8));
        assertTrue(offline.captured() >= 5 && offline.captured() < offline.seen(), offline.toString());
        Path live = dir.resolve("live.pcap");
        String pipe = pipe();
        captureWhile(pipe, live, offline.captured(), "udp or arp",
                () -> replay("-i", pipe + "{0", "-f", samples.toString(), "-q"));
        assertEquals(frames(expected), frames(live));
    }

    @Test
    void aFrameRateAndLoopsAreHonoured(@TempDir Path dir) throws Exception {
        Path samples = SampleFrames.write(dir.resolve("samples.pcap"), SampleFrames.all());
        int n = SampleFrames.all().size();
        String pipe = pipe();
        long[] took = new long[1];
        Capture.Result r = captureWhile(pipe, dir.resolve("out.pcap"), 3L * n, null, () -> {
            long start = System.nanoTime();
            assertEquals(3L * n, replay("-i", pipe + "{0", "-f", samples.toString(), "-q", "-l", "3", "-R", "200").sent());
            took[0] = System.nanoTime() - start;
        });
        assertEquals(3L * n, r.captured());
        // 54 frames at 200 frames/s take at least 0.26 s (the first frame goes at once).
        assertTrue(took[0] >= TimeUnit.MILLISECONDS.toNanos(250), "too fast for -R 200: " + took[0] / 1e6 + " ms");
    }

    @Test
    void badCommandLinesExitWithTwo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, Capture.execute(new String[] {"-i", "netmap:x{0"}, print(new ByteArrayOutputStream()), print(err),
                false, null).exitCode());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("-w FILE is required"), err.toString());
        assertEquals(2, Capture.execute(new String[] {"-i", "netmap:x{0", "-w", "x.pcap", "tcp", "port", "http"},
                print(new ByteArrayOutputStream()), print(err), false, null).exitCode());
        assertEquals(2, Replay.execute(new String[] {"-i", "netmap:x{0"}, print(new ByteArrayOutputStream()), print(err),
                false).exitCode());
        assertEquals(2, Replay.execute(new String[] {"-i", "netmap:x{0", "-f", "x", "-B", "warp,9"},
                print(new ByteArrayOutputStream()), print(err), false).exitCode());
    }

    @Test
    void aMissingFileIsAClearError(@TempDir Path dir) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Replay.Result r = Replay.execute(new String[] {"-i", "netmap:x{0", "-f", dir.resolve("nope.pcap").toString()},
                print(new ByteArrayOutputStream()), print(err), false);
        assertEquals(1, r.exitCode());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("cannot load"), err.toString());
    }

    /**
     * Runs tcpdump on the loopback of a network namespace made for this test while ping sends
     * {@code count} echo requests there; returns the pcap tcpdump wrote. Skipped (failed under
     * CI) where namespaces cannot be made.
     */
    static Path tcpdumpPings(Path file, int count) throws Exception {
        Decoders.requireProgram("tcpdump", "tcpdump");
        Decoders.requireProgram("ping", "iputils-ping");
        String ns = "nm4jcr" + PID;
        Decoders.Result add = Decoders.run(List.of("ip", "netns", "add", ns));
        if (add.exitCode() != 0) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("cannot make a network namespace under CI: " + add.err());
            }
            Assumptions.abort("cannot make a network namespace here (needs root and iproute2): " + add.err());
        }
        Process tcpdump = null;
        try {
            assertEquals(0, Decoders.run(List.of("ip", "-n", ns, "link", "set", "lo", "up")).exitCode());
            tcpdump = new ProcessBuilder("ip", "netns", "exec", ns, "tcpdump", "-i", "lo", "-U", "-n",
                    "-c", Integer.toString(2 * count), "-w", file.toString(), "icmp").start();
            BufferedReader stderr = new BufferedReader(new InputStreamReader(tcpdump.getErrorStream(), StandardCharsets.UTF_8));
            CompletableFuture<String> listening = CompletableFuture.supplyAsync(() -> {
                try {
                    StringBuilder seen = new StringBuilder();
                    for (String line; (line = stderr.readLine()) != null; ) {
                        seen.append(line).append('\n');
                        if (line.contains("listening on")) {
                            return seen.toString();
                        }
                    }
                    return seen.toString();
                } catch (IOException e) {
                    return e.toString();
                }
            });
            String said = listening.get(20, TimeUnit.SECONDS);
            assertTrue(said.contains("listening on"), "tcpdump did not start: " + said);
            Decoders.Result ping = Decoders.run(List.of("ip", "netns", "exec", ns, "ping", "-n", "-c", Integer.toString(count),
                    "-i", "0.05", "-s", "100", "127.0.0.1"));
            assertEquals(0, ping.exitCode(), ping.out() + ping.err());
            assertTrue(tcpdump.waitFor(20, TimeUnit.SECONDS), "tcpdump did not stop after its frames");
            assertTrue(Files.size(file) > 24, "tcpdump wrote no frames");
            return file;
        } finally {
            if (tcpdump != null) {
                tcpdump.destroy();
            }
            Decoders.run(List.of("ip", "netns", "del", ns));
        }
    }

    /** A replay whose receiver dies stops at once, names the port and exits 1, as pkt-gen does. */
    @Test
    void aCaptureWhosePortClosesDuringTheRunFailsIt(@TempDir Path dir) throws Exception {
        String name = pipe();
        try (ChildTool tx = ChildTool.start(PktGen.class, "pkt-gen ", "-f", "tx", "-i", name + "{0", "-R", "100000",
                "-T", "60", "-q")) {
            tx.killAfter(1500);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long start = System.nanoTime();
            Capture.Result r = Capture.execute(new String[] {"-i", name + "}0", "-w", dir.resolve("c.pcap").toString(),
                "-q", "-T", "60"}, print(out), print(out), false, null);
            double seconds = (System.nanoTime() - start) / 1e9;
            String text = out.toString(StandardCharsets.UTF_8);
            assertEquals(1, r.exitCode(), text);
            assertTrue(r.captured() > 0, text);
            assertTrue(text.contains("capture: " + name + "}0 closed during the run"), text);
            assertTrue(seconds < 30, "the capture went on for " + seconds + " s after its port closed:\n" + text);
        }
    }

    @Test
    void aReplayWhosePortClosesDuringTheRunFailsIt(@TempDir Path dir) throws Exception {
        Path pcap = SampleFrames.write(dir.resolve("frames.pcap"), SampleFrames.all());
        String name = pipe();
        try (ChildTool rx = ChildTool.start(PktGen.class, "pkt-gen ", "-f", "rx", "-i", name + "}0", "-T", "60", "-q")) {
            rx.killAfter(1500);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long start = System.nanoTime();
            Replay.Result r = Replay.execute(new String[] {"-i", name + "{0", "-f", pcap.toString(), "-l", "0", "-R", "100000",
                "-q", "-T", "60"}, print(out), print(out), false);
            double seconds = (System.nanoTime() - start) / 1e9;
            String text = out.toString(StandardCharsets.UTF_8);
            assertEquals(1, r.exitCode(), text);
            assertTrue(r.sent() > 0, text);
            assertTrue(text.contains("replay: " + name + "{0 closed during the run"), text);
            assertTrue(seconds < 30, "the replay went on for " + seconds + " s after its port closed:\n" + text);
        }
    }
}
