package io.netmap4j.tools;

import io.netmap4j.tools.PktGenOptions.UsageException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.netmap4j.tools.PktGenOptionsTest.print;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bridge's command line, and a real run: pkt-gen sends into one end of a pipe, the bridge
 * forwards from its other end to a second pipe of the same parent (by buffer index), and pkt-gen
 * receives there and checks every sequence number.
 */
class BridgeTest {
    private static final long PID = ProcessHandle.current().pid();

    @Test
    void commandLine() throws Exception {
        Bridge.Options o = Bridge.Options.parse("-i", "netmap:a}0", "-i", "netmap:a{1", "-T", "2.5", "--rx-copy",
                "--two-loops", "--busy-poll", "-q");
        assertEquals("netmap:a}0", o.portA());
        assertEquals("netmap:a{1", o.portB());
        assertEquals(2.5, o.seconds());
        assertTrue(o.rxCopy() && o.twoLoops() && o.busyPoll() && o.quiet());
        assertTrue(Bridge.Options.parse("--help").help());

        assertTrue(assertThrows(UsageException.class, () -> Bridge.Options.parse("-i", "netmap:a}0"))
                .getMessage().contains("two ports"));
        assertTrue(assertThrows(UsageException.class, () -> Bridge.Options.parse("-i", "netmap:a}0", "-i", "netmap:a}0"))
                .getMessage().contains("twice"));
        assertTrue(assertThrows(UsageException.class, () -> Bridge.Options.parse("-i", "netmap:a}0", "-i", "netmap:"))
                .getMessage().startsWith("-i netmap:"));
        assertTrue(assertThrows(UsageException.class, () -> Bridge.Options.parse("-i", "netmap:a}0", "-i", "netmap:a{1",
                "-T", "soon")).getMessage().contains("not a number"));
        assertTrue(assertThrows(UsageException.class, () -> Bridge.Options.parse("--frobnicate"))
                .getMessage().contains("--frobnicate"));

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, Bridge.run(new String[] {"-i", "x"}, print(new ByteArrayOutputStream()), print(err), false));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("bridge: "));
    }

    @Test
    void forwardsEveryFrameInOrder() throws Exception {
        String parent = "netmap:brt" + PID;
        ByteArrayOutputStream bridgeOut = new ByteArrayOutputStream();
        ByteArrayOutputStream bridgeErr = new ByteArrayOutputStream();
        Bridge.Options options = Bridge.Options.parse("-i", parent + "}0", "-i", parent + "{1");
        AtomicBoolean stop = new AtomicBoolean();
        // Threads of their own: the common pool may have a single thread on a small machine.
        ExecutorService threads = Executors.newCachedThreadPool();
        CompletableFuture<Bridge.Result> bridge = CompletableFuture.supplyAsync(
                () -> Bridge.execute(options, print(bridgeOut), print(bridgeErr), false, stop), threads);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!bridgeOut.toString(StandardCharsets.UTF_8).contains("bridge -i") && !bridge.isDone()
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(!bridge.isDone() && bridgeOut.toString(StandardCharsets.UTF_8).contains("bridge -i"),
                "the bridge did not start: " + bridgeOut.toString(StandardCharsets.UTF_8)
                        + bridgeErr.toString(StandardCharsets.UTF_8));
        CompletableFuture<PktGen.Result> rx = CompletableFuture.supplyAsync(() -> pktGen("-f", "rx", "-i", parent + "}1",
                "-n", "20k", "-T", "30", "-q"), threads);
        PktGen.Result tx = pktGen("-f", "tx", "-i", parent + "{0", "-n", "20k", "-T", "30", "-q");
        assertEquals(20_000, tx.sent(), () -> "bridge: " + bridgeOut.toString(StandardCharsets.UTF_8)
                + bridgeErr.toString(StandardCharsets.UTF_8));
        PktGen.Result received = rx.get(30, TimeUnit.SECONDS);
        stop.set(true);
        assertEquals(20_000, received.received());
        assertEquals(0, received.lost());
        assertEquals(0, received.outOfOrder());
        Bridge.Result r = bridge.get(20, TimeUnit.SECONDS);
        threads.shutdown();
        String text = bridgeOut.toString(StandardCharsets.UTF_8);
        assertEquals("", bridgeErr.toString(StandardCharsets.UTF_8), text);
        assertEquals(20_000, r.aToB(), text);
        assertEquals(0, r.bToA(), text);
        assertEquals(0, r.exitCode(), text);
        assertTrue(text.contains("--- summary ---") && text.contains("a->b 20000 frames"), text);
    }

    private static PktGen.Result pktGen(String... args) {
        try {
            return PktGen.execute(PktGenOptions.parse(args), print(new ByteArrayOutputStream()),
                    print(new ByteArrayOutputStream()), false);
        } catch (UsageException e) {
            throw new AssertionError(e);
        }
    }
}
