package io.netmap4j.user.nic;

import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NoSuchPortException;
import io.netmap4j.core.PortBusyException;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static io.netmap4j.abi.NetmapConstants.POLLERR;
import static io.netmap4j.abi.NetmapConstants.POLLHUP;
import static io.netmap4j.abi.NetmapConstants.POLLIN;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What goes wrong when opening NIC ports, and what is left afterwards: clear errors for names
 * and states that cannot work, no program left attached by a failed open or by a killed JVM.
 */
class NicOpenErrorsTest {
    private static VethPair veth;

    @BeforeAll
    static void makePair() throws Exception {
        VethPair.requireSupport();
        veth = VethPair.create();
    }

    @AfterAll
    static void removePair() {
        if (veth != null) {
            veth.close();
        }
    }

    private static NetmapPort open(String name, NicMechanism m) throws Exception {
        return UserBackend.INSTANCE.open(PortSpec.parse(name), m);
    }

    @Test
    void aMissingInterfaceIsNamed() {
        NoSuchPortException e = assertThrows(NoSuchPortException.class, () -> open("netmap:nm4jxnosuch0", NicMechanism.AUTO));
        assertTrue(e.getMessage().contains("no network interface \"nm4jxnosuch0\""), e.getMessage());
    }

    @Test
    void hostRingsAreRefusedWithTheReason() {
        for (String suffix : new String[] {"^", "*", "^0"}) {
            NetmapException e = assertThrows(NetmapException.class, () -> open("netmap:" + veth.a + suffix, NicMechanism.AUTO));
            assertTrue(e.getMessage().contains("host rings"), e.getMessage());
        }
    }

    @Test
    void aQueueBeyondTheInterfacesIsRefused() {
        NoSuchPortException e = assertThrows(NoSuchPortException.class, () -> open("netmap:" + veth.a + "-3", NicMechanism.AUTO));
        assertTrue(e.getMessage().contains("has 1 queue"), e.getMessage());
    }

    @Test
    void aQueueBoundTwiceIsBusy() throws Exception {
        try (NetmapPort first = open("netmap:" + veth.a, NicMechanism.XDP)) {
            PortBusyException e = assertThrows(PortBusyException.class, () -> open("netmap:" + veth.a + "-0", NicMechanism.XDP));
            assertTrue(e.getMessage().contains("queue 0 of " + veth.a), e.getMessage());
            assertTrue(first.isOpen());
        }
        assertEquals("", veth.xdpOfA(), "no program left after the last port closed");
    }

    @Test
    void someoneElsesProgramIsNeverReplaced() throws Exception {
        // a program attached by another process: a holder JVM of ours, which is alive
        Process holder = NicHolder.start("netmap:" + veth.a, NicMechanism.XDP);
        try {
            NicHolder.awaitReady(holder);
            String before = veth.xdpOfA();
            assertFalse(before.isEmpty());
            PortBusyException e = assertThrows(PortBusyException.class, () -> open("netmap:" + veth.a, NicMechanism.XDP));
            assertTrue(e.getMessage().contains("another XDP program is attached to " + veth.a), e.getMessage());
            assertEquals(before, veth.xdpOfA(), "the other program is still there");
            // auto falls back to AF_PACKET, which works beside it
            try (NetmapPort p = open("netmap:" + veth.a, NicMechanism.AUTO)) {
                assertEquals("AF_PACKET", ((NicPort) p).mechanism());
            }
        } finally {
            holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"xdp", "packet"})
    void anInterfaceThatGoesAwayIsReported(String mechanism) throws Exception {
        VethPair gone = VethPair.create();
        try (NetmapPort p = open("netmap:" + gone.a, NicMechanism.of(mechanism))) {
            gone.close();
            int ready = p.poll(POLLIN, 5000);
            assertEquals(POLLERR | POLLHUP, ready & (POLLERR | POLLHUP), "poll after the interface was deleted");
            NetmapException e = assertThrows(NetmapException.class, p::rxSync);
            assertTrue(e.getMessage().contains("the interface " + gone.a + " is gone"), e.getMessage());
        } finally {
            gone.close();
        }
    }

    /**
     * A JVM killed with SIGKILL while bound leaves the interface usable: with a BPF link the
     * kernel detaches the program with the process; through netlink (where links are missing, or
     * forced here) the program stays, and the next open removes it since its owner is dead.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aKilledJvmLeavesTheInterfaceUsable(boolean netlink) throws Exception {
        Process holder = NicHolder.start("netmap:" + veth.a, NicMechanism.XDP, "-Dnetmap4j.xdp.netlink=" + netlink);
        try {
            NicHolder.awaitReady(holder);
            assertFalse(veth.xdpOfA().isEmpty(), "the holder's program is attached");
        } finally {
            holder.destroyForcibly(); // SIGKILL
            assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
        }
        if (!netlink) {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!veth.xdpOfA().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals("", veth.xdpOfA(), "the kernel removed the program with its link");
        } else {
            assertTrue(veth.xdpOfA().contains("nm4j_" + holder.pid()), "netlink leaves it: " + veth.xdpOfA());
        }
        try (NetmapPort p = open("netmap:" + veth.a, NicMechanism.XDP)) {
            assertTrue(((NicPort) p).mechanism().startsWith("AF_XDP"));
        }
        assertEquals("", veth.xdpOfA());
        VethPair.Result link = VethPair.run(List.of("ip", "link", "show", veth.a), true);
        assertTrue(link.output().contains("UP"), link.output());
    }
}
