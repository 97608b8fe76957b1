package io.netmap4j.user.vale;

import io.netmap4j.abi.Errno;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.core.ValeControl;
import io.netmap4j.core.ValePortId;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.UserBackend;
import io.netmap4j.user.nic.VethPair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.netmap4j.user.vale.ValeFrames.BROADCAST;
import static io.netmap4j.user.vale.ValeFrames.mac;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the user backend's vale-ctl requests do beyond what every backend does: a persistent
 * interface opened through its switch keeps its place while the switch file comes and goes, is
 * refused through another switch, and a network interface is attached by a forwarding loop
 * (a pipe end stands in for the NIC, and, as root, a veth pair is the real thing).
 */
class UserValeControlTest {
    private static final AtomicInteger NEXT = new AtomicInteger();
    private final String sw = "valeuc" + ProcessHandle.current().pid() + "x" + NEXT.incrementAndGet();
    private final String name = "nmc" + ProcessHandle.current().pid() % 100_000 + "i" + NEXT.incrementAndGet();
    private final ValeControl control = UserBackend.INSTANCE.valeControl();
    private final List<NetmapPort> opened = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
        try {
            control.detach(sw + ":" + name);
        } catch (NetmapException ignored) {
            // not attached
        }
        try {
            control.deleteInterface(name);
        } catch (NetmapException ignored) {
            // not there
        }
    }

    private NetmapPort open(String port) throws NetmapException {
        NetmapPort p = UserBackend.INSTANCE.open(PortSpec.parse(port));
        opened.add(p);
        return p;
    }

    private int listedIndex() throws NetmapException {
        for (ValePortId p : control.list()) {
            if (p.name().equals(sw + ":" + name)) {
                return p.port();
            }
        }
        return -1;
    }

    @Test
    void anAttachedPersistentInterfaceKeepsItsPlaceAndGeometryAcrossOpens() throws Exception {
        control.newInterface(name, 64, 128, 0, 0);
        NetmapPort other = open(sw + ":other"); // takes index 0
        int index = control.attach(sw, name, false);
        assertEquals(1, index);
        other.close(); // the switch file goes: nobody holds it
        assertEquals(0, ValeCrossProcessTest.switchFiles(sw).length);
        assertEquals(index, listedIndex(), "still listed, at its index");
        NetmapPort first = open(sw + ":first"); // a newcomer does not take the reserved place
        assertEquals(0, ((UserValePort) first).portIndex());
        NetmapPort p = open(sw + ":" + name + "@conf:slots=4096");
        assertEquals(index, ((UserValePort) p).portIndex());
        assertEquals(64, p.txRing(0).numSlots(), "the interface's geometry, not the name's options");
        assertEquals(128, p.rxRing(0).numSlots());
        ValeFrames.send(first, BROADCAST, mac(1), 1, 7);
        p.rxSync();
        assertEquals(1, p.rxRing(0).space(), "frames reach it like any port");
        p.close();
        opened.remove(p);
        assertEquals(index, listedIndex(), "closed, still attached");
        NetmapException busy = assertThrows(NetmapException.class, () -> {
            NetmapPort again = open(sw + ":" + name);
            control.detach(sw + ":" + name);
            again.close();
        });
        assertEquals(Errno.EBUSY, busy.errno(), "an open persistent port is not detached under its user");
    }

    @Test
    void aPersistentInterfaceOpensOnlyThroughItsSwitch() throws Exception {
        control.newInterface(name, 0, 0, 0, 0);
        NetmapException e = assertThrows(NetmapException.class, () -> open(sw + ":" + name));
        assertEquals(Errno.EINVAL, e.errno(), e.getMessage());
        assertTrue(e.getMessage().contains("not attached"), e.getMessage());
        control.attach(sw, name, false);
        String other = sw + "o";
        e = assertThrows(NetmapException.class, () -> open(other + ":" + name));
        assertTrue(e.getMessage().contains("attached to " + sw), e.getMessage());
        open(sw + ":" + name);
    }

    @Test
    void theListSkipsASwitchFileOfAnotherLayoutAndShowsTheOthers() throws Exception {
        open(sw + ":mine");
        // what another netmap4j version (or a damaged file) leaves under a switch's name
        Path foreign = Path.of(UserBackend.shmDir(), ValeRegistration.fileBase(sw + "f") + ".shm");
        Files.write(foreign, new byte[4096]);
        Files.setPosixFilePermissions(foreign, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        try {
            List<String> names = control.list().stream().map(ValePortId::name).toList();
            assertTrue(names.contains(sw + ":mine"), names.toString());
            assertTrue(names.stream().noneMatch(n -> n.startsWith(sw + "f:")), names.toString());
            // opening a port on it still says what is wrong
            NetmapException e = assertThrows(NetmapException.class, () -> open(sw + "f:p"));
            assertTrue(e.getMessage().contains("of this version"), e.getMessage());
        } finally {
            Files.deleteIfExists(foreign);
        }
    }

    @Test
    void theRegistryIsPrivate() throws Exception {
        control.newInterface(name, 0, 0, 0, 0);
        Path file = Path.of(UserBackend.shmDir(), InterfaceRegistry.FILE);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void anUplinkCarriesFramesBothWaysBetweenAPortAndTheSwitch() throws Exception {
        String parent = "netmap:ul" + ProcessHandle.current().pid() + "x" + NEXT.incrementAndGet();
        NetmapPort wire = open(parent + "}1"); // the far side of the "NIC"
        NetmapPort nic = UserBackend.INSTANCE.open(PortSpec.parse(parent + "{1"));
        NetmapPort up = UserBackend.INSTANCE.open(PortSpec.parse(sw + ":up"));
        NetmapPort x = open(sw + ":x");
        try (SwitchUplink uplink = SwitchUplink.start(nic, up)) {
            ValeFrames.send(wire, BROADCAST, mac(5), 1, 1);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            NetmapRing rx = x.rxRing(0);
            while (rx.isEmpty() && System.nanoTime() < deadline) {
                x.poll(io.netmap4j.abi.NetmapConstants.POLLIN, 100);
            }
            assertEquals(1, rx.space(), "a frame from the wire reached the switch");
            assertEquals(1, ValeFrames.seq(rx.slotBuffer(rx.head())));
            ValeFrames.send(x, mac(5), mac(6), 2, 2); // mac(5) was learned on the uplink's port
            NetmapRing back = wire.rxRing(0);
            while (back.isEmpty() && System.nanoTime() < deadline) {
                wire.poll(io.netmap4j.abi.NetmapConstants.POLLIN, 100);
            }
            assertEquals(1, back.space(), "and one from the switch reached the wire");
            assertEquals(2, ValeFrames.seq(back.slotBuffer(back.head())));
            while (uplink.framesFromSwitch() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(1); // the loop counts a frame after it sent it: the wire may be quicker
            }
            assertEquals(1, uplink.framesToSwitch());
            assertEquals(1, uplink.framesFromSwitch());
            assertEquals(null, uplink.failure());
        }
        assertTrue(!nic.isOpen() && !up.isOpen(), "closing the uplink closes its ports");
    }

    /**
     * vale-ctl -a on a real interface (as root): one end of a veth pair with two queues is
     * attached, and frames cross between a switch port and the pair's other end, opened as a NIC
     * port, both ways.
     */
    @Test
    void anAttachedVethCarriesFramesBothWays() throws Exception {
        VethPair.requireSupport();
        try (VethPair veth = VethPair.create(2)) {
            NetmapPort far = open("netmap:" + veth.b);
            NetmapPort x = open(sw + ":x");
            int index = control.attach(sw, veth.a, false);
            try {
                assertTrue(index >= 0, "attached at " + index);
                assertTrue(control.list().stream().anyMatch(p -> p.name().equals(sw + ":" + veth.a)), "listed");
                ValeFrames.send(far, BROADCAST, mac(5), 1, 1);
                assertTrue(receive(x, 1), "a frame from the wire reached the switch");
                ValeFrames.send(x, mac(5), mac(6), 2, 2); // mac(5) was learned on the interface's port
                assertTrue(receive(far, 2), "and one from the switch reached the wire");
            } finally {
                control.detach(sw + ":" + veth.a);
            }
            assertTrue(control.list().stream().noneMatch(p -> p.name().equals(sw + ":" + veth.a)), "detached");
        }
    }

    /** Waits up to 10 s for a test frame with {@code seq} on any RX ring of {@code port}, skipping other frames. */
    private static boolean receive(NetmapPort port, long seq) throws NetmapException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            port.poll(io.netmap4j.abi.NetmapConstants.POLLIN, 100);
            for (int r = 0; r < port.rxRingCount(); r++) {
                NetmapRing rx = port.rxRing(r);
                boolean found = false;
                for (int i = rx.head(); i != rx.tail(); i = rx.next(i)) {
                    found |= rx.len(i) >= ValeFrames.LEN && ValeFrames.seq(rx.slotBuffer(i)) == seq;
                }
                rx.advance(rx.tail());
                if (found) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A registry file that is not this user's own (here: readable by others) is neither believed nor replaced. */
    @Test
    void aRegistryThatIsNotOursIsIgnoredAndNotReplaced() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("/dev/shm"), "nm4j-registry-test");
        Path file = dir.resolve(InterfaceRegistry.FILE);
        try {
            Files.writeString(file, "planted 1024 1024 1 1 vale0 3\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
            UserValeControl other = new UserValeControl(UserBackend.INSTANCE, dir.toString());
            assertEquals(List.of(), other.list(), "its entries are not believed");
            NetmapException e = assertThrows(NetmapException.class, () -> other.newInterface("x", 0, 0, 0, 0));
            assertEquals(Errno.EACCES, e.errno(), e.getMessage());
            assertEquals("planted 1024 1024 1 1 vale0 3\n", Files.readString(file), "and it was left as it was");
        } finally {
            try (var left = Files.list(dir)) {
                for (Path p : left.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(dir);
        }
    }
}
