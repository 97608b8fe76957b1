package io.netmap4j.tools;

import io.netmap4j.tools.PktGenOptions.Function;
import io.netmap4j.tools.PktGenOptions.UsageException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PktGenOptionsTest {
    @Test
    void noArgumentsIsFiveSecondsOverTheDefaultPipe() throws Exception {
        PktGenOptions o = PktGenOptions.parse();
        assertEquals(Function.TXRX, o.function());
        assertEquals("netmap:pktgen{0", o.port());
        assertEquals("netmap:pktgen}0", o.peerPort());
        assertEquals(60, o.frameSize());
        assertEquals(512, o.batch());
        assertEquals(0, o.rate());
        assertEquals(5.0, o.seconds());
        assertEquals(0, o.frames());
        assertFalse(o.perFrameWrites());
        assertFalse(o.rxCopy());
    }

    @Test
    void everyOption() throws Exception {
        PktGenOptions o = PktGenOptions.parse("-f", "tx", "-i", "netmap:a}7", "-l", "1514", "-b", "64", "-R", "2M",
                "-T", "1.5", "-n", "100k", "--per-frame-writes", "--busy-poll", "-q");
        assertEquals(Function.TX, o.function());
        assertEquals("netmap:a}7", o.port());
        assertNull(o.peerPort());
        assertEquals(1514, o.frameSize());
        assertEquals(64, o.batch());
        assertEquals(2_000_000, o.rate());
        assertEquals(1.5, o.seconds());
        assertEquals(100_000, o.frames());
        assertTrue(o.perFrameWrites());
        assertFalse(o.rxCopy());
        assertTrue(o.busyPoll());
        assertTrue(o.quiet());
    }

    @Test
    void aFrameCountWithoutDurationRunsUntilTheCount() throws Exception {
        assertEquals(0, PktGenOptions.parse("-n", "10").seconds());
        assertEquals(3, PktGenOptions.parse("-n", "10", "-T", "3").seconds());
    }

    @Test
    void thePeerOfEitherPipeEnd() throws Exception {
        assertEquals("netmap:x}3", PktGenOptions.parse("-i", "netmap:x{3").peerPort());
        assertEquals("netmap:x{3", PktGenOptions.parse("-i", "netmap:x}3", "-f", "pingpong").peerPort());
        assertEquals("netmap:y{1", PktGenOptions.parse("-i", "netmap:x{3", "-I", "netmap:y{1").peerPort());
    }

    @Test
    void plainIsBothPlainModes() throws Exception {
        PktGenOptions o = PktGenOptions.parse("-P");
        assertTrue(o.perFrameWrites());
        assertTrue(o.rxCopy());
    }

    @Test
    void suffixes() {
        assertEquals(7, PktGenOptions.withSuffix("7"));
        assertEquals(3_000, PktGenOptions.withSuffix("3k"));
        assertEquals(14_000_000, PktGenOptions.withSuffix("14M"));
        assertEquals(1_000_000_000, PktGenOptions.withSuffix("1G"));
        assertThrows(NumberFormatException.class, () -> PktGenOptions.withSuffix("M"));
        assertThrows(ArithmeticException.class, () -> PktGenOptions.withSuffix("99999999999G"));
    }

    @Test
    void badArgumentsNameTheArgument() {
        assertMessage("unknown argument '--fast'", "--fast");
        assertMessage("-l 53: must be from 54 to 1514", "-l", "53");
        assertMessage("-l 1515: must be from 54 to 1514", "-l", "1515");
        assertMessage("-b 0: must be from 1 to 65536", "-b", "0");
        assertMessage("-R fast: not a number", "-R", "fast");
        assertMessage("-n needs a value", "-n");
        assertMessage("-T -1: must be 0 (no limit) or more seconds", "-T", "-1");
        assertMessage("-f bounce: unknown function", "-f", "bounce");
        assertMessage("-i netmap:: ", "-i", "netmap:");
        assertMessage("-f txrx runs both ends in this process", "-i", "netmap:eth0");
        assertMessage("-I is only for the two-sided functions", "-f", "rx", "-I", "netmap:x{1");
        assertMessage("-R limits what is sent", "-f", "rx", "-R", "10");
        assertMessage("-l 54: ping frames need at least 58 bytes", "-f", "ping", "-l", "54");
    }

    private static void assertMessage(String expectedStart, String... args) {
        UsageException e = assertThrows(UsageException.class, () -> PktGenOptions.parse(args));
        assertTrue(e.getMessage().startsWith(expectedStart), () -> "message: " + e.getMessage());
    }

    @Test
    void helpPrintsUsageAndExitsZero() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PktGen.run(new String[] {"-l", "9999", "--help"}, print(out), print(err), false);
        assertEquals(0, code);
        assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("Usage: pkt-gen"));
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aBadCommandLineExitsTwoWithTheReason() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = PktGen.run(new String[] {"-b", "many"}, print(out), print(err), false);
        assertEquals(2, code);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("pkt-gen: -b many: not a number"));
    }

    static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}
