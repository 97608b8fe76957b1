package io.netmap4j.tools;

import io.netmap4j.core.NetmapPort;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** vale-ctl's command line and its requests on the user backend, as a user types them. */
class ValeCtlTest {
    private static final AtomicInteger NEXT = new AtomicInteger();

    private record Run(int code, String out, String err) { }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 2];
        all[0] = "--backend";
        all[1] = "user";
        System.arraycopy(args, 0, all, 2, args.length);
        int code = ValeCtl.execute(all, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), false);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aPersistentInterfaceFromCreationToDeletion() throws Exception {
        String sw = "valevc" + ProcessHandle.current().pid() + "x" + NEXT.incrementAndGet();
        String ifname = "nmv" + ProcessHandle.current().pid() % 100_000 + "i" + NEXT.incrementAndGet();
        Run made = run("-n", ifname, "-C", "256,512,2", "-v");
        assertEquals(0, made.code(), made.err());
        assertTrue(made.out().contains("tx_slots:   256") && made.out().contains("rx_slots:   512")
                && made.out().contains("tx_rings:   2"), made.out());
        try (NetmapPort a = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":a"))) {
            Run attached = run("-a", sw + ":" + ifname, "-v");
            assertEquals(0, attached.code(), attached.err());
            assertEquals("port_index: 1\n", attached.out());
            Run list = run();
            assertTrue(list.out().contains(sw + ":a bridge_idx ") && list.out().contains(" port_idx 0\n"), list.out());
            assertTrue(list.out().contains(sw + ":" + ifname + " bridge_idx "), list.out());
            Run one = run("-l", sw + ":" + ifname);
            assertTrue(one.out().endsWith("port_idx:   1\n"), one.out());
            Run info = run("-g", sw + ":" + ifname);
            assertEquals(0, info.code(), info.err());
            assertTrue(info.out().contains("tx_rings:   2") && info.out().contains("rx_slots:   512"), info.out());
            Run busy = run("-r", ifname);
            assertEquals(1, busy.code());
            assertTrue(busy.err().contains("detach it first"), busy.err());
            assertEquals(0, run("-d", sw + ":" + ifname).code());
        }
        assertEquals(0, run("-r", ifname).code());
        Run gone = run("-r", ifname);
        assertEquals(1, gone.code());
        assertTrue(gone.err().contains("no persistent VALE interface"), gone.err());
    }

    @Test
    void badCommandLinesSaySoWithExitCodeTwo() {
        for (String[] bad : new String[][] {{"-x"}, {"-a", "eth0"}, {"-n", "a", "-r", "b"}, {"-C", "1,2"},
                {"-n", "x", "-C", "1,2,3,4,5"}, {"-p", "vale0:a"}}) {
            Run r = run(bad);
            assertEquals(2, r.code(), String.join(" ", bad) + ": " + r.err());
            assertTrue(r.err().startsWith("vale-ctl: "), r.err());
        }
        assertEquals(0, run("--help").code());
        assertEquals(2, ValeCtl.execute(new String[] {"--backend", "nope"}, System.out, new PrintStream(
                new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), false));
    }

    @Test
    void theRingConfigurationReadsAsNetmapsDoes() throws Exception {
        assertEquals(java.util.List.of(5, 5, 0, 0), box(ValeCtl.ringConfig("5")));
        assertEquals(java.util.List.of(5, 6, 0, 0), box(ValeCtl.ringConfig("5,6")));
        assertEquals(java.util.List.of(5, 6, 2, 2), box(ValeCtl.ringConfig("5,6,2")));
        assertEquals(java.util.List.of(5, 6, 2, 3), box(ValeCtl.ringConfig("5,6,2,3")));
    }

    private static java.util.List<Integer> box(int[] v) {
        return java.util.Arrays.stream(v).boxed().toList();
    }
}
