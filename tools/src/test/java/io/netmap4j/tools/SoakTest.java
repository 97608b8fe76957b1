package io.netmap4j.tools;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CI versions of {@code tools/soak} (the long one is in the README): both directions of a
 * pipe between this JVM and a second one, through Netty channels, every frame checked; and the
 * same with the loops never spinning and the frames in small bursts, so that every burst is a
 * sleep and a doorbell wake-up on the other side (a lost wake-up shows as a late one, or a stall).
 */
class SoakTest {
    private static final Pattern SIDE = Pattern.compile("(master|slave): sent (\\d+), received (\\d+) in .*: "
            + "(\\d+) lost, (\\d+) reordered, (\\d+) corrupted; fds \\(without doorbells\\) (\\d+) -> (\\d+), .*late wake-ups (\\d+)");

    private static String soak(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        int code = Soak.execute(args, print, print);
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, text);
        assertTrue(text.contains("soak: PASS"), text);
        return text;
    }

    private static void assertClean(String text, long frames) {
        int sides = 0;
        Matcher m = SIDE.matcher(text);
        while (m.find()) {
            sides++;
            assertEquals(List.of(frames, frames, 0L, 0L, 0L), List.of(Long.parseLong(m.group(2)),
                    Long.parseLong(m.group(3)), Long.parseLong(m.group(4)), Long.parseLong(m.group(5)),
                    Long.parseLong(m.group(6))), m.group());
            assertEquals(m.group(7), m.group(8), "descriptors flat: " + m.group());
            assertEquals("0", m.group(9), "late wake-ups: " + m.group());
        }
        assertEquals(2, sides, text);
    }

    @Test
    void tenMillionFramesEachWayAcrossTwoProcessesArriveIntactAndInOrder() throws Exception {
        assertClean(soak("-n", "10M", "-l", "60-128", "-q", "-i", "sk" + ProcessHandle.current().pid()), 10_000_000);
    }

    @Test
    void aWakeUpPerBurstLosesNoWakeUp() throws Exception {
        // 8-frame bursts 20 us apart, loops that never spin: about 25,000 sleeps and wake-ups per side
        assertClean(soak("-n", "200k", "-l", "60-1514", "--spin-nanos", "0", "--burst", "8", "--gap-us", "20", "-q",
                "-i", "skw" + ProcessHandle.current().pid()), 200_000);
    }
}
