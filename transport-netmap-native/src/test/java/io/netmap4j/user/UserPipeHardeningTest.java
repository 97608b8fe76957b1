package io.netmap4j.user;

import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.spec.PortSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static io.netmap4j.abi.NetmapConstants.NS_BUF_CHANGED;
import static io.netmap4j.abi.NetmapConstants.POLLERR;
import static io.netmap4j.abi.NetmapConstants.POLLIN;
import static io.netmap4j.abi.NetmapConstants.POLLOUT;
import static io.netmap4j.user.PipeLayout.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The user backend distrusts the shared region: values a rogue or broken peer writes into it
 * (indices, buffer ids, lengths, the allocator) are checked, and a bad one drops a frame, is
 * ignored and counted, or resets a ring; never a crash. Also: what the backend refuses, the
 * file mode, and zero-copy between two pipes of one parent.
 */
class UserPipeHardeningTest {
    private static final AtomicInteger NEXT = new AtomicInteger();
    private final List<NetmapPort> opened = new ArrayList<>();

    @AfterEach
    void closeAll() {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    private String parent() {
        return "netmap:hd" + ProcessHandle.current().pid() + "x" + NEXT.incrementAndGet();
    }

    private UserPipePort open(String name) throws NetmapException {
        UserPipePort p = (UserPipePort) UserBackend.INSTANCE.open(PortSpec.parse(name));
        opened.add(p);
        return p;
    }

    /** Pipe 0 of a fresh region: the first pipe of a parent sits in pair slot 0. */
    private UserPipePort[] pair(String base) throws NetmapException {
        return new UserPipePort[] {open(base + "{1@conf:slots=16"), open(base + "}1@conf:slots=16")};
    }

    @Test
    void aDamagedDescriptorFromThePeerIsDeliveredEmptyAndCounted() throws Exception {
        UserPipePort[] p = pair(parent());
        MemorySegment mem = p[1].region();
        NetmapRing rx = p[1].rxRing(0);
        // act as a rogue master: write slot 0 of the slave's RX ring, then publish it
        long slot = rx.offsetInRegion() + 256;
        mem.set(JAVA_INT, slot, 0x7fff_ffff);
        mem.set(JAVA_SHORT, slot + 4, (short) 5000);
        mem.set(JAVA_INT, line(0, MASTER) + L_TX_HWCUR, 1);
        p[1].rxSync();
        assertEquals(1, rx.space());
        assertEquals(PipeEnd.SCRATCH_BUFFER, rx.bufIdx(0));
        assertEquals(0, rx.len(0));
        assertEquals(1, p[1].droppedFrames());
    }

    @Test
    void impossibleIndicesFromThePeerAreIgnored() throws Exception {
        UserPipePort[] p = pair(parent());
        MemorySegment mem = p[0].region();
        mem.set(JAVA_INT, line(0, MASTER) + L_TX_HWCUR, 1000); // past the ring
        p[1].rxSync();
        assertEquals(0, p[1].rxRing(0).space());
        mem.set(JAVA_INT, line(0, MASTER) + L_TX_HWCUR, -1);
        p[1].rxSync();
        assertEquals(0, p[1].rxRing(0).space());
        assertEquals(2, p[1].peerErrors());
        mem.set(JAVA_INT, line(0, MASTER) + L_TX_HWCUR, 0);
        mem.set(JAVA_INT, line(0, SLAVE) + L_RX_HWCUR, 7); // releases slots never sent
        p[0].txSync();
        assertEquals(15, p[0].txRing(0).space(), "TX tail not moved by a lie");
        assertEquals(1, p[0].peerErrors());
    }

    @Test
    void aBadBufferFromOurOwnUserResetsTheRing() throws Exception {
        UserPipePort[] p = pair(parent());
        NetmapRing tx = p[0].txRing(0);
        tx.bufIdx(0, Integer.MAX_VALUE);
        tx.len(0, 64);
        tx.advance(1);
        assertEquals(POLLERR, p[0].poll(POLLOUT, 0) & POLLERR);
        assertEquals(0, tx.head());
        assertEquals(1, p[0].ringResets());
        p[1].rxSync();
        assertEquals(0, p[1].rxRing(0).space(), "nothing published");
        tx.len(0, 4000); // longer than a buffer
        tx.bufIdx(0, p[1].rxRing(0).bufIdx(0));
        tx.advance(1);
        p[0].txSync();
        assertEquals(2, p[0].ringResets());
    }

    @Test
    void aHeadOnASlotTheUserDoesNotOwnIsCountedNotReset() throws Exception {
        UserPipePort[] p = pair(parent());
        NetmapRing rx = p[1].rxRing(0);
        rx.head(5); // nothing received: slot 5 is not the user's
        assertEquals(POLLERR, p[1].poll(POLLIN, 0) & POLLERR);
        assertEquals(5, rx.head(), "left as the user wrote it");
        assertEquals(1, p[1].ringErrors());
        assertEquals(0, p[1].ringResets());
        rx.head(-1); // not a slot at all
        assertEquals(POLLERR, p[1].poll(POLLIN, 0) & POLLERR);
        assertEquals(0, rx.head(), "reset to hwcur");
        assertEquals(1, p[1].ringResets());
        assertEquals(0, p[1].poll(POLLIN, 0), "POLLERR is reported once per error");
    }

    @Test
    void ringHeadersThePeerDamagedAreRestoredWhenAnEndOpensAgain() throws Exception {
        String base = parent();
        UserPipePort master = open(base + "{1@conf:slots=16");
        UserPipePort slave = open(base + "}1@conf:slots=16");
        MemorySegment mem = slave.region();
        long tx = master.txRing(0).offsetInRegion();
        long rx = master.rxRing(0).offsetInRegion();
        master.close();
        // a peer writes the constant fields of the rings the master will map again
        mem.set(JAVA_LONG, tx + io.netmap4j.abi.gen.netmap_ring.buf_ofs$offset(), -4994397662714659849L);
        mem.set(JAVA_INT, rx + io.netmap4j.abi.gen.netmap_ring.num_slots$offset(), -7);
        mem.set(JAVA_INT, rx + io.netmap4j.abi.gen.netmap_ring.nr_buf_size$offset(), 0);
        UserPipePort again = open(base + "{1");
        NetmapRing ring = again.txRing(0);
        assertEquals(16, again.rxRing(0).numSlots());
        ring.slotBuffer(ring.head()).set(JAVA_LONG, 0, 77L);
        ring.len(ring.head(), 60);
        ring.advance(ring.next(ring.head()));
        again.txSync();
        slave.rxSync();
        NetmapRing in = slave.rxRing(0);
        assertEquals(1, in.space());
        assertEquals(77L, in.slotBuffer(in.head()).get(JAVA_LONG, 0));
    }

    @Test
    void damagedOwnStateIsReportedNotFollowed() throws Exception {
        UserPipePort[] p = pair(parent());
        p[0].region().set(JAVA_INT, line(0, MASTER) + L_TX_HWCUR, -5);
        NetmapException e = assertThrows(NetmapException.class, p[0]::txSync);
        assertTrue(e.getMessage().contains("damaged"), e.getMessage());
    }

    @Test
    void aDamagedFreeListIsDropped() throws Exception {
        String base = parent();
        UserPipePort[] p = pair(base);
        MemorySegment mem = p[0].region();
        mem.set(JAVA_INT, H_FREE_HEAD, 0x7fff_0000);
        NetmapPort withBuffers = UserBackend.INSTANCE.open(PortSpec.parse(base + "}2").withExtraBuffers(4));
        opened.add(withBuffers);
        assertEquals(4, withBuffers.extraBufferCount());
        assertTrue(withBuffers.extraBuffersHead() < mem.get(JAVA_INT, H_BUF_NEXT));
    }

    @Test
    void theRegionFileIsPrivate() throws Exception {
        UserPipePort[] p = pair(parent());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(p[0].regionPath()))));
    }

    @Test
    void portsTheBackendCannotOpenSaySo() {
        // an interface that does not exist: never a real one of the machine from a test
        for (String name : new String[] {"netmap:nm4jxnone0", "netmap:nm4jxnone0^", "vale0:a{1", "netmap:p{1/t",
                "netmap:p{1^"}) {
            NetmapException e = assertThrows(NetmapException.class,
                    () -> UserBackend.INSTANCE.open(PortSpec.parse(name)), name);
            assertTrue(e.getMessage().contains("user backend") || e.getMessage().contains("pipe end")
                    || e.getMessage().contains("no network interface \"nm4jxnone0\"")
                    || e.getMessage().contains("host rings"), e.getMessage());
        }
    }

    @Test
    void twoPipesOfOneParentSwapBuffersWithoutCopying() throws Exception {
        String base = parent();
        UserPipePort in = open(base + "{1");
        UserPipePort inPeer = open(base + "}1");
        UserPipePort out = open(base + "{2");
        UserPipePort outPeer = open(base + "}2");
        assertEquals(in.memId(), out.memId());
        NetmapRing tx = in.txRing(0);
        tx.slotBuffer(0).set(JAVA_LONG, 0, 1234L);
        tx.len(0, 64);
        tx.advance(1);
        in.txSync();
        inPeer.rxSync();
        // forward: swap the received buffer into the other pipe's TX slot
        NetmapRing rx = inPeer.rxRing(0);
        NetmapRing fwd = out.txRing(0);
        int received = rx.bufIdx(0);
        rx.bufIdx(0, fwd.bufIdx(0));
        rx.flags(0, NS_BUF_CHANGED);
        fwd.bufIdx(0, received);
        fwd.len(0, rx.len(0));
        fwd.flags(0, NS_BUF_CHANGED);
        rx.advance(1);
        fwd.advance(1);
        inPeer.rxSync();
        out.txSync();
        outPeer.rxSync();
        assertEquals(received, outPeer.rxRing(0).bufIdx(0));
        assertEquals(1234L, outPeer.rxRing(0).slotBuffer(0).get(JAVA_LONG, 0));
    }
}
