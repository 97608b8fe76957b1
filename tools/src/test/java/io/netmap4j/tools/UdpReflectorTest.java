package io.netmap4j.tools;

import io.netmap4j.user.UserBackend;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.netmap4j.tools.PktGenOptionsTest.print;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The new user's case across two processes: the udp-reflector (decode, drop odd UDP ports,
 * reflect) in a child JVM on one end of a pipe, its driver here on the other end. Every frame to
 * an even port must come back reflected, in order, and none to an odd port.
 */
class UdpReflectorTest {
    private static final long PID = ProcessHandle.current().pid();

    @Test
    void headersTurnAround() {
        FrameTemplate t = FrameTemplate.standard(60);
        ByteBuf frame = Unpooled.wrappedBuffer(t.bytes().clone());
        assertTrue(Udp4.isUdp(frame));
        assertEquals(1234, Udp4.srcPort(frame));
        assertEquals(4321, Udp4.dstPort(frame));
        Udp4.reflect(frame);
        assertEquals(4321, Udp4.srcPort(frame));
        assertEquals(1234, Udp4.dstPort(frame));
        assertEquals(0x0a010001, frame.getInt(14 + 12), "source IP");
        assertEquals(0x0a000001, frame.getInt(14 + 16), "destination IP");
        assertEquals(0x02, frame.getByte(0), "the old source MAC is the destination");
        assertEquals((byte) 0xff, frame.getByte(6), "the old destination MAC is the source");
        assertFalse(Udp4.isUdp(Unpooled.wrappedBuffer(new byte[60])), "not IPv4");
    }

    @Test
    void commandLine() throws Exception {
        UdpReflector.Options o = UdpReflector.Options.parse("--drive", "-i", "netmap:x{0", "-n", "10k", "-l", "100");
        assertTrue(o.drive());
        assertEquals(10_000, o.frames());
        assertEquals(0, o.seconds(), "-n without -T: no time limit");
        assertEquals(5, UdpReflector.Options.parse("--drive", "-i", "netmap:x{0").seconds());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, UdpReflector.run(new String[] {"-i", "netmap:x}0", "-n", "5"}, print(new ByteArrayOutputStream()),
                print(err), new AtomicBoolean(), false));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--drive"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void reflectsExactlyTheFramesToEvenPortsAcrossProcesses() throws Exception {
        String name = "netmap:nft" + PID;
        Process nf = new ProcessBuilder(List.of(System.getProperty("java.home") + "/bin/java",
                "-cp", System.getProperty("java.class.path"), "--enable-native-access=ALL-UNNAMED",
                "-Dio.netty.leakDetection.level=paranoid",
                "-D" + UserBackend.SHM_DIR_PROPERTY + "=" + UserBackend.shmDir(),
                UdpReflector.class.getName(), "-i", name + "}0", "-T", "40", "-q"))
                .redirectErrorStream(true).start();
        StringBuilder nfOut = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(nf.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null && !line.startsWith("udp-reflector -i")) {
                nfOut.append(line).append('\n');
            }
            assertTrue(line != null, "the reflector did not start:\n" + nfOut);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int code = UdpReflector.run(new String[] {"--drive", "-i", name + "{0", "-n", "200k", "-q"}, print(out),
                    print(out), new AtomicBoolean(), false);
            String text = out.toString(StandardCharsets.UTF_8);
            assertEquals(0, code, text);
            assertTrue(text.contains("200000 frames sent, 100000 to even ports; 100000 came back reflected, 0 missing, 0 wrong"),
                    text);
        } finally {
            nf.destroy();
            nf.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
