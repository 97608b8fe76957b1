package io.netmap4j.user.vale;

import io.netmap4j.abi.Errno;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapPort;
import io.netmap4j.core.NoSuchPortException;
import io.netmap4j.core.PortBusyException;
import io.netmap4j.core.ValeControl;
import io.netmap4j.core.ValeInterface;
import io.netmap4j.core.ValePortId;
import io.netmap4j.spec.PortSpec;
import io.netmap4j.user.RegionFile;
import io.netmap4j.user.UserBackend;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

import static io.netmap4j.user.vale.SwitchLayout.*;

/**
 * vale-ctl's requests on the user backend.
 * <ul>
 *   <li>{@link #list}: the live ports of every switch file in the shared-memory directory, and
 *       the attached persistent interfaces (listed also when nobody has them open, as in
 *       netmap). A switch's index is its place among the switch names in alphabetical order.</li>
 *   <li>{@link #newInterface}, {@link #deleteInterface}: persistent interfaces, kept in
 *       {@link InterfaceRegistry} until deleted.</li>
 *   <li>{@link #attach}: a persistent interface gets a place on the switch (its index is kept);
 *       any other name is taken for a network interface, opened as {@code netmap:NAME} with this
 *       backend and connected to port {@code valeS:NAME} by a forwarding loop in this process
 *       ({@link SwitchUplink}), which lasts until detached or the process ends.</li>
 *   <li>{@link #detach}: the opposite. A persistent interface must not be open; a network
 *       interface attached by another process is detached by stopping that process.</li>
 * </ul>
 */
public final class UserValeControl implements ValeControl {
    /** The interfaces this JVM attached with a forwarding loop, by port name ({@code valeS:IF}). */
    private static final Map<String, SwitchUplink> UPLINKS = new ConcurrentHashMap<>();
    private static final String SWITCH_FILE_PREFIX = ValeRegistration.fileBase("");

    private final UserBackend backend;
    private final String dir;

    public UserValeControl(UserBackend backend, String dir) {
        this.backend = backend;
        this.dir = dir;
    }

    @Override
    public List<ValePortId> list() throws NetmapException {
        Map<String, InterfaceRegistry.Entry> registry = InterfaceRegistry.read(dir);
        TreeSet<String> switches = new TreeSet<>(switchFiles());
        for (InterfaceRegistry.Entry e : registry.values()) {
            if (e.attachedTo() != null) {
                switches.add(e.attachedTo());
            }
        }
        List<ValePortId> ports = new ArrayList<>();
        int bridge = 0;
        for (String sw : switches) {
            List<ValePortId> found = new ArrayList<>();
            if (switchFiles().contains(sw)) {
                withSwitch(sw, "list VALE ports", p -> {
                    for (int k = 0; k < MAX_PORTS; k++) {
                        int s = p.state(k);
                        String name = s == LIVE || s == RESERVED ? p.name(k) : null;
                        if (name != null) {
                            found.add(new ValePortId(0, k, sw + ":" + name));
                        }
                    }
                    return null;
                });
            } else {
                for (InterfaceRegistry.Entry e : registry.values()) {
                    if (sw.equals(e.attachedTo())) {
                        found.add(new ValePortId(0, e.index(), sw + ":" + e.name()));
                    }
                }
            }
            found.sort((x, y) -> Integer.compare(x.port(), y.port()));
            for (ValePortId p : found) {
                ports.add(new ValePortId(bridge, p.port(), p.name()));
            }
            bridge++;
        }
        return ports;
    }

    @Override
    public ValeInterface newInterface(String name, int txSlots, int rxSlots, int txRings, int rxRings)
            throws NetmapException {
        String what = "create VALE interface " + name;
        checkInterfaceName(name, what);
        if (Files.exists(Path.of("/sys/class/net", name))) {
            throw new NetmapException(what + " failed: a network interface of that name exists", Errno.EEXIST, null);
        }
        SwitchPorts.Geometry g = new SwitchPorts.Geometry(rings(txRings), rings(rxRings), slots(txSlots), slots(rxSlots));
        long needed = (long) g.txRings() * g.txSlots() + (long) g.rxRings() * g.rxSlots();
        if (needed > MAX_PORT_BUFFERS - 2) {
            throw new NetmapException(what + " failed: " + needed + " buffers; a VALE port of the user backend has room "
                    + "for " + (MAX_PORT_BUFFERS - 2) + ". Ask for fewer rings or slots", Errno.ENOMEM, null);
        }
        return InterfaceRegistry.update(dir, what, entries -> {
            if (entries.containsKey(name)) {
                throw new NetmapException(what + " failed: it exists already", Errno.EEXIST, null);
            }
            entries.put(name, new InterfaceRegistry.Entry(name, g.txSlots(), g.rxSlots(), g.txRings(), g.rxRings(),
                    null, -1));
            return new ValeInterface(name, g.txSlots(), g.rxSlots(), g.txRings(), g.rxRings(), 0);
        });
    }

    @Override
    public void deleteInterface(String name) throws NetmapException {
        String what = "delete VALE interface " + name;
        InterfaceRegistry.update(dir, what, entries -> {
            InterfaceRegistry.Entry e = entries.get(name);
            if (e == null) {
                throw new NoSuchPortException(what + " failed: there is no persistent VALE interface of that name",
                        Errno.ENXIO, null);
            }
            if (e.attachedTo() != null) {
                throw new PortBusyException(what + " failed: it is attached to " + e.attachedTo() + "; detach it first "
                        + "(vale-ctl -d " + e.attachedTo() + ":" + name + ")", Errno.EBUSY, null);
            }
            entries.remove(name);
            return null;
        });
    }

    @Override
    public int attach(String valeSwitch, String name, boolean hostStack) throws NetmapException {
        String portName = valeSwitch + ":" + name;
        String what = "attach " + portName;
        ValeOpener.checkSwitchName(valeSwitch, what);
        checkInterfaceName(name, what);
        if (hostStack) {
            throw new NetmapException(what + " failed: the user backend has no host stack rings to attach (that needs "
                    + "the netmap kernel module); attach the interface alone (vale-ctl -a)", Errno.EINVAL, null);
        }
        if (!InterfaceRegistry.read(dir).containsKey(name)) {
            return attachInterface(portName, name, what);
        }
        return InterfaceRegistry.update(dir, what, entries -> {
            InterfaceRegistry.Entry e = entries.get(name);
            if (e == null) {
                throw new NoSuchPortException(what + " failed: the interface was deleted meanwhile", Errno.ENXIO, null);
            }
            if (e.attachedTo() != null) {
                throw new PortBusyException(what + " failed: " + name + " is attached to " + e.attachedTo()
                        + " already", Errno.EBUSY, null);
            }
            int k = withSwitch(valeSwitch, what, p -> {
                if (p.findLive(name) >= 0 || p.find(name, ZOMBIE) >= 0 || p.find(name, RESERVED) >= 0) {
                    throw new PortBusyException(what + " failed: the switch has a port of that name in use",
                            Errno.EBUSY, null);
                }
                int slot = p.freeSlot(what);
                p.reserve(slot, name, e.geometry());
                return slot;
            });
            entries.put(name, e.attached(valeSwitch, k));
            return k;
        });
    }

    /** A network interface: a forwarding loop between {@code netmap:NAME} and {@code valeS:NAME}, in this process. */
    private int attachInterface(String portName, String name, String what) throws NetmapException {
        if (UPLINKS.containsKey(portName)) {
            throw new PortBusyException(what + " failed: this process attached it already", Errno.EBUSY, null);
        }
        NetmapPort external;
        try {
            external = backend.open(PortSpec.parse("netmap:" + name));
        } catch (NetmapException e) {
            throw new NetmapException(what + " failed: " + name + " is no persistent VALE interface, so it is taken for "
                    + "a network interface, which the user backend attaches with a forwarding loop in this process; "
                    + "opening it failed: " + e.getMessage(), e.errno(), e);
        }
        NetmapPort switchPort;
        try {
            switchPort = backend.open(PortSpec.parse(portName));
        } catch (NetmapException | RuntimeException e) {
            external.close();
            throw e;
        }
        SwitchUplink uplink = SwitchUplink.start(external, switchPort);
        if (UPLINKS.putIfAbsent(portName, uplink) != null) {
            uplink.close();
            throw new PortBusyException(what + " failed: this process attached it already", Errno.EBUSY, null);
        }
        return uplink.portIndex();
    }

    /**
     * True if this process attached {@code portName} ({@code valeS:IF}) with a forwarding loop,
     * which then lasts as long as the process (or until detached): vale-ctl waits then.
     */
    public boolean forwarding(String portName) {
        return UPLINKS.containsKey(portName);
    }

    @Override
    public int detach(String portName) throws NetmapException {
        String what = "detach " + portName;
        int colon = portName.indexOf(':');
        if (colon < 0) {
            throw new NetmapException(what + " failed: name the port as valeS:INTERFACE", Errno.EINVAL, null);
        }
        String valeSwitch = portName.substring(0, colon);
        String name = portName.substring(colon + 1);
        ValeOpener.checkSwitchName(valeSwitch, what);
        SwitchUplink uplink = UPLINKS.remove(portName);
        if (uplink != null) {
            int index = uplink.portIndex();
            uplink.close();
            return index;
        }
        return InterfaceRegistry.update(dir, what, entries -> {
            InterfaceRegistry.Entry e = entries.get(name);
            if (e == null || !valeSwitch.equals(e.attachedTo())) {
                throw new NoSuchPortException(what + " failed: it is not attached (by this process, or as a persistent "
                        + "interface); an interface another process attached is detached by stopping that process",
                        Errno.ENXIO, null);
            }
            withSwitch(valeSwitch, what, p -> {
                if (p.findLive(name) >= 0 || p.find(name, ZOMBIE) >= 0) {
                    throw new PortBusyException(what + " failed: the port is open; close it first", Errno.EBUSY, null);
                }
                int k = p.find(name, RESERVED);
                if (k >= 0) {
                    p.free(k);
                }
                return null;
            });
            entries.put(name, e.attached(null, -1));
            return e.index();
        });
    }

    /** Something done with a switch's port table under its file lock. */
    @FunctionalInterface
    private interface SwitchWork<T> {
        T apply(SwitchPorts ports) throws NetmapException;
    }

    /**
     * Runs {@code work} on switch {@code valeSwitch}'s port table with its file lock held: the
     * file is made (with the reservations of its attached interfaces) if nobody holds it, and
     * removed again afterwards if still nobody does.
     */
    private <T> T withSwitch(String valeSwitch, String what, SwitchWork<T> work) throws NetmapException {
        RegionFile file = RegionFile.openLocked(dir, ValeRegistration.fileBase(valeSwitch), what, FORMAT);
        SwitchPorts ports = new SwitchPorts(file);
        try {
            if (!ports.anyHeld()) {
                file.initHeader();
                ports.restoreReservations(dir, valeSwitch);
            }
            ports.reap();
            return work.apply(ports);
        } finally {
            try {
                if (!ports.anyHeld()) {
                    file.unlinkWithDoorbells();
                }
            } finally {
                file.unlock();
                file.close();
            }
        }
    }

    /** The switches that have a file in the directory now. */
    private List<String> switchFiles() {
        List<String> names = new ArrayList<>();
        String[] files = new File(dir).list((d, n) -> n.startsWith(SWITCH_FILE_PREFIX) && n.endsWith(".shm"));
        if (files != null) {
            for (String f : files) {
                names.add(f.substring(SWITCH_FILE_PREFIX.length(), f.length() - ".shm".length()));
            }
        }
        return names;
    }

    /** An interface name as netmap (and Linux) take one: 1 to 15 bytes, no {@code vale} prefix, no separators. */
    static void checkInterfaceName(String name, String what) throws NetmapException {
        boolean ok = name != null && !name.isEmpty() && name.getBytes(StandardCharsets.UTF_8).length <= MAX_PORT_NAME
                && !name.startsWith("vale");
        for (int i = 0; ok && i < name.length(); i++) {
            char c = name.charAt(i);
            ok = c > ' ' && c < 127 && c != '/' && c != ':' && c != '{' && c != '}' && c != '@' && c != '^'
                    && c != '*' && c != '-';
        }
        if (!ok) {
            throw new NetmapException(what + " failed: \"" + name + "\" is not an interface name: 1 to " + MAX_PORT_NAME
                    + " printable bytes, not starting with vale, without / : { } @ ^ * -", Errno.EINVAL, null);
        }
    }

    private static int rings(int asked) {
        return asked <= 0 ? 1 : Math.min(MAX_RINGS, asked);
    }

    private static int slots(int asked) {
        return asked <= 0 ? DEFAULT_SLOTS : Math.max(2, Math.min(MAX_SLOTS, asked));
    }

    @Override
    public void close() {
        // nothing held: each request opens and closes what it needs; forwarding loops outlive this object
    }
}
