package io.netmap4j.conformance;

import io.netmap4j.abi.Errno;
import io.netmap4j.core.NetmapBackend;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.ValeControl;
import io.netmap4j.core.ValeInterface;
import io.netmap4j.core.ValePortId;
import io.netmap4j.spec.PortSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * vale-ctl's requests through {@link ValeControl}, written once and run against every backend
 * the machine has: listing the ports of a switch, and the life of a persistent interface
 * (create, attach, list, detach, delete) with netmap's errors. A persistent interface is never
 * opened here while attached: netmap renames it when it is (see NetmapControl).
 */
public abstract class AbstractValeControlConformanceTest {
    protected abstract NetmapBackend backend();

    /** A new switch name no other test uses. */
    protected abstract String switchName();

    /** A new interface name no other test (or interface of the machine) uses, at most 15 bytes. */
    protected abstract String interfaceName();

    private final List<NetmapPort> opened = new ArrayList<>();
    private final List<String> interfaces = new ArrayList<>();
    private ValeControl control;
    private String sw;

    @BeforeEach
    void openControl() throws NetmapException {
        control = backend().valeControl();
        sw = switchName();
    }

    @AfterEach
    void cleanUp() {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
        for (String name : interfaces) {
            try {
                control.detach(sw + ":" + name);
            } catch (NetmapException ignored) {
                // not attached
            }
            try {
                control.deleteInterface(name);
            } catch (NetmapException ignored) {
                // deleted by the test
            }
        }
        control.close();
    }

    private NetmapPort open(String name) throws NetmapException {
        NetmapPort p = backend().open(PortSpec.parse(name));
        opened.add(p);
        return p;
    }

    private List<ValePortId> ours() throws NetmapException {
        List<ValePortId> l = new ArrayList<>();
        for (ValePortId p : control.list()) {
            if (p.name().startsWith(sw + ":")) {
                l.add(p);
            }
        }
        return l;
    }

    private static List<String> names(List<ValePortId> ports) {
        List<String> l = new ArrayList<>();
        for (ValePortId p : ports) {
            l.add(p.name());
        }
        return l;
    }

    @Test
    void theListShowsOpenPortsUntilTheyClose() throws Exception {
        open(sw + ":a");
        NetmapPort b = open(sw + ":b");
        List<ValePortId> ports = ours();
        assertEquals(List.of(sw + ":a", sw + ":b"), names(ports));
        assertEquals(ports.get(0).bridge(), ports.get(1).bridge(), "one switch");
        assertNotEquals(ports.get(0).port(), ports.get(1).port());
        b.close();
        assertEquals(List.of(sw + ":a"), names(ours()), "an ephemeral port goes with its last user");
    }

    @Test
    void aPersistentInterfaceIsCreatedAttachedListedDetachedAndDeleted() throws Exception {
        String name = interfaceName();
        interfaces.add(name);
        ValeInterface made = control.newInterface(name, 0, 0, 0, 0);
        assertEquals(name, made.name());
        assertEquals(1024, made.txSlots(), "netmap's default VALE ring");
        assertEquals(1, made.rxRings());
        NetmapException twice = assertThrows(NetmapException.class, () -> control.newInterface(name, 0, 0, 0, 0));
        assertEquals(Errno.EEXIST, twice.errno());
        int index = control.attach(sw, name, false);
        assertTrue(index >= 0);
        assertEquals(List.of(sw + ":" + name), names(ours()), "listed although nobody opened it");
        assertEquals(index, ours().get(0).port());
        NetmapException busy = assertThrows(NetmapException.class, () -> control.attach(sw, name, false));
        assertEquals(Errno.EBUSY, busy.errno(), busy.getMessage());
        NetmapException attached = assertThrows(NetmapException.class, () -> control.deleteInterface(name));
        assertEquals(Errno.EBUSY, attached.errno(), "an attached interface cannot be deleted");
        assertEquals(index, control.detach(sw + ":" + name));
        assertEquals(List.of(), names(ours()));
        control.deleteInterface(name);
        NetmapException gone = assertThrows(NetmapException.class, () -> control.deleteInterface(name));
        assertEquals(Errno.ENXIO, gone.errno(), gone.getMessage());
    }

    @Test
    void detachingWhatIsNotAttachedFails() {
        NetmapException e = assertThrows(NetmapException.class, () -> control.detach(sw + ":" + interfaceName()));
        assertEquals(Errno.ENXIO, e.errno(), e.getMessage());
    }
}
