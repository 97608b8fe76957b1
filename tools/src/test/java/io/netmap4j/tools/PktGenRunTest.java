package io.netmap4j.tools;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static io.netmap4j.tools.PktGenOptionsTest.print;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Real runs over in-JVM user-space pipes: every frame sent arrives, in order, in both TX styles
 * and both RX modes. Each test uses its own pipe name so that runs cannot meet.
 */
class PktGenRunTest {
    private static final long PID = ProcessHandle.current().pid();

    private static PktGen.Result run(String name, String... extra) throws Exception {
        String[] args = new String[extra.length + 3];
        args[0] = "-i";
        args[1] = "netmap:pgt" + PID + name + "{0";
        args[2] = "-q";
        System.arraycopy(extra, 0, args, 3, extra.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PktGen.Result r = PktGen.execute(PktGenOptions.parse(args), print(out), print(err), false);
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals("", err.toString(StandardCharsets.UTF_8), text);
        assertTrue(text.contains("--- summary ---"), text);
        return r;
    }

    @Test
    void inPlaceBatchesAndZeroCopyReceiveEveryFrameInOrder() throws Exception {
        PktGen.Result r = run("batch", "-n", "100k", "-T", "30");
        assertEquals(100_000, r.sent());
        assertEquals(100_000, r.received());
        assertEquals(0, r.lost());
        assertEquals(0, r.outOfOrder());
        assertEquals(0, r.exitCode());
    }

    @Test
    void perFrameWritesAndCopiedReceiveEveryFrameInOrder() throws Exception {
        PktGen.Result r = run("plain", "-n", "20k", "-T", "30", "--plain", "-l", "1514", "-b", "100");
        assertEquals(20_000, r.sent());
        assertEquals(20_000, r.received());
        assertEquals(0, r.lost());
        assertEquals(0, r.outOfOrder());
        assertEquals(0, r.exitCode());
    }

    @Test
    void aRateLimitStillDeliversTheCount() throws Exception {
        // 2000 frames at 20k/s: about 0.1 s, sent in several paced bursts.
        PktGen.Result r = run("rate", "-n", "2000", "-R", "20k", "-T", "30", "-b", "64");
        assertEquals(2000, r.sent());
        assertEquals(2000, r.received());
        assertEquals(0, r.exitCode());
    }

    @Test
    void pingPongAnswersEveryPing() throws Exception {
        PktGen.Result r = run("ping", "-f", "pingpong", "-n", "500", "-T", "30");
        assertEquals(500, r.sent());
        assertEquals(500, r.received());
        assertEquals(0, r.lost());
        assertEquals(0, r.exitCode());
    }

    /**
     * pkt-gen between two ports of a user-space VALE switch, as the README runs it. A switch
     * drops what a full receiver cannot hold (a receiver whose loop a busy machine does not run
     * for a few milliseconds loses frames), so here the receiver's ring holds every frame sent:
     * all arrive, in order.
     */
    @Test
    void overAValeSwitchEveryFrameArrivesWhenTheReceiverHasRoom() throws Exception {
        String sw = "valepg" + PID;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PktGen.Result r = PktGen.execute(PktGenOptions.parse(new String[] {"-f", "txrx", "-i", sw + ":a", "-I",
                sw + ":b@conf:slots=4096", "-n", "4000", "-b", "64", "-T", "30", "-q"}), print(out), print(err), false);
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals("", err.toString(StandardCharsets.UTF_8), text);
        assertEquals(4000, r.sent(), text);
        assertEquals(4000, r.received(), text);
        assertEquals(0, r.outOfOrder());
        assertEquals(0, r.exitCode());
    }

    /**
     * A run whose port closes under it fails: here the generator's process dies (killed), the
     * user backend closes the receiving end, and pkt-gen ends at once with exit code 1 and says
     * which port closed, instead of waiting out its time and exiting 0.
     */
    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aPortThatClosesDuringTheRunFailsIt() throws Exception {
        String name = "netmap:pgt" + PID + "dies";
        try (ChildTool tx = ChildTool.start(PktGen.class, "pkt-gen ", "-f", "tx", "-i", name + "{0", "-T", "60", "-q")) {
            tx.killAfter(1500);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long start = System.nanoTime();
            PktGen.Result r = PktGen.execute(PktGenOptions.parse(new String[] {"-f", "rx", "-i", name + "}0", "-T", "60",
                    "-q"}), print(out), print(out), false);
            double seconds = (System.nanoTime() - start) / 1e9;
            String text = out.toString(StandardCharsets.UTF_8);
            assertEquals(1, r.exitCode(), text);
            assertTrue(r.received() > 0, text);
            assertTrue(text.contains("pkt-gen: " + name + "}0 closed during the run"), text);
            assertTrue(seconds < 30, "the run went on for " + seconds + " s after its port closed:\n" + text);
        }
    }
}
