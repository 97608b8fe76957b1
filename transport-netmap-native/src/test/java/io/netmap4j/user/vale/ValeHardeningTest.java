package io.netmap4j.user.vale;

import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.netmap4j.user.vale.ValeFrames.BROADCAST;
import static io.netmap4j.user.vale.ValeFrames.mac;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The switch file is shared with other processes, which may be broken: what they could write
 * into it is checked before use, costs them their own frames at most, and never crashes or
 * misleads another port. Bad names and geometry fail at open, saying why.
 */
class ValeHardeningTest {
    private static final AtomicInteger NEXT = new AtomicInteger();
    private final List<NetmapPort> opened = new ArrayList<>();
    private final String sw = "valehd" + ProcessHandle.current().pid() + "x" + NEXT.incrementAndGet();

    @AfterEach
    void closeAll() {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    private UserValePort open(String port) throws NetmapException {
        NetmapPort p = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":" + port));
        opened.add(p);
        return (UserValePort) p;
    }

    @Test
    void theSwitchFileIsPrivate() throws Exception {
        UserValePort a = open("a");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(a.regionPath()))));
    }

    @Test
    void aDamagedTailFromASenderIsIgnoredAndCounted() throws Exception {
        UserValePort a = open("a");
        UserValePort b = open("b");
        ValeRegistration rb = b.registration();
        MemorySegment mem = rb.file.mem();
        mem.set(JAVA_INT, rb.base() + SwitchLayout.rxLine(0) + SwitchLayout.D_HWTAIL, 5000); // not a slot
        b.rxSync();
        assertEquals(1, b.peerErrors());
        assertEquals(0, b.rxRing(0).tail(), "nothing was delivered");
        mem.set(JAVA_INT, rb.base() + SwitchLayout.rxLine(0) + SwitchLayout.D_HWTAIL, 0);
        ValeFrames.send(a, BROADCAST, mac(1), 1, 1);
        b.rxSync();
        assertEquals(1, b.rxRing(0).space(), "the port works again once the value is sane");
    }

    @Test
    void aReceiverThatDamagedItsIndicesGetsNothingAndTheSenderGoesOn() throws Exception {
        UserValePort a = open("a");
        UserValePort b = open("b");
        UserValePort c = open("c");
        ValeRegistration rb = b.registration();
        rb.file.mem().set(JAVA_INT, rb.base() + SwitchLayout.rxLine(0) + SwitchLayout.R_HWCUR, -7);
        ValeFrames.send(a, BROADCAST, mac(1), 1, 1);
        c.rxSync();
        assertEquals(1, c.rxRing(0).space(), "the others still get it");
        assertEquals(0, (int) rb.file.mem().get(JAVA_INT, rb.base() + SwitchLayout.rxLine(0) + SwitchLayout.D_HWTAIL),
                "nothing was copied into a ring whose state makes no sense");
        assertThrows(NetmapException.class, b::rxSync, "the damaged port says so");
    }

    @Test
    void aBadBufferIndexInADestinationSlotDeliversAnEmptyFrame() throws Exception {
        UserValePort a = open("a");
        UserValePort b = open("b");
        NetmapRing rx = b.rxRing(0);
        ValeRegistration rb = b.registration();
        long slot0 = rb.base() + SwitchLayout.rxRing(0) + 256;
        rb.file.mem().set(JAVA_INT, slot0, 0x7fff_0000); // scribbled by someone while the senders own it
        ValeFrames.send(a, BROADCAST, mac(1), 1, 1);
        ValeFrames.send(a, BROADCAST, mac(1), 1, 2);
        b.rxSync();
        assertEquals(2, rx.space());
        assertEquals(ValeForwarder.SCRATCH_BUFFER, rx.bufIdx(0));
        assertEquals(0, rx.len(0), "the first frame arrives empty");
        assertEquals(2, ValeFrames.seq(rx.slotBuffer(1)), "the second one whole");
    }

    @Test
    void ourOwnBadTxSlotsCostOnlyOurFrames() throws Exception {
        UserValePort a = open("a");
        UserValePort b = open("b");
        NetmapRing tx = a.txRing(0);
        ValeFrames.queue(tx, BROADCAST, mac(1), 1, 1, ValeFrames.LEN);
        tx.bufIdx(0, 0x7fff_0000);
        ValeFrames.queue(tx, BROADCAST, mac(1), 1, 2, ValeFrames.LEN);
        tx.len(1, 4000); // past the buffer
        ValeFrames.queue(tx, BROADCAST, mac(1), 1, 3, ValeFrames.LEN);
        a.txSync();
        assertEquals(2, a.undeliverableFrames());
        b.rxSync();
        assertEquals(1, b.rxRing(0).space());
        assertEquals(3, ValeFrames.seq(b.rxRing(0).slotBuffer(0)));
    }

    @Test
    void aHeadPastTheLastSlotResetsTheRing() throws Exception {
        UserValePort a = open("a");
        NetmapRing tx = a.txRing(0);
        tx.head(5000);
        a.txSync();
        assertEquals(1, a.ringResets());
        assertEquals(0, tx.head());
        assertEquals(tx.numSlots() - 1, tx.tail());
    }

    @Test
    void badNamesAndGeometryFailAtOpenSayingWhy() {
        NetmapException e = assertThrows(NetmapException.class, () -> open("p0123456789abcdef"));
        assertTrue(e.getMessage().contains("1 to 15 bytes"), e.getMessage());
        e = assertThrows(NetmapException.class, () -> open("big@conf:rings=16,slots=4096"));
        assertTrue(e.getMessage().contains("fewer rings or slots"), e.getMessage());
        e = assertThrows(NetmapException.class, () -> open("h^"));
        assertTrue(e.getMessage().contains("no host rings"), e.getMessage());
        e = assertThrows(NetmapException.class, () -> open("m@2"));
        assertTrue(e.getMessage().contains("region of its own"), e.getMessage());
        e = assertThrows(NetmapException.class, () -> open("r-3@conf:rings=2"));
        assertTrue(e.getMessage().contains("no ring pair 3"), e.getMessage());
        assertEquals(0, ValeCrossProcessTest.switchFiles(sw).length, "a failed open leaves no file");
    }

    /** netmap's bound: 254 ports a switch; a broadcast reaches all 253 others; the 255th is refused. */
    @Test
    void aSwitchHasRoomFor254Ports() throws Exception {
        List<UserValePort> ports = new ArrayList<>();
        for (int i = 0; i < SwitchLayout.MAX_PORTS; i++) {
            ports.add(open("p" + i + "@conf:slots=2"));
        }
        NetmapException full = assertThrows(NetmapException.class, () -> open("extra@conf:slots=2"));
        assertTrue(full.getMessage().contains("254 ports"), full.getMessage());
        ValeFrames.send(ports.get(0), BROADCAST, mac(1), 1, 1);
        for (int i = 1; i < ports.size(); i++) {
            ports.get(i).rxSync();
            assertEquals(1, ports.get(i).rxRing(0).space(), "port " + i);
        }
        assertEquals(SwitchLayout.MAX_PORTS - 1, ports.get(0).forwardedFrames(), "one copy per other port");
    }
}
