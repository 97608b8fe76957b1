package io.netmap4j.kernel;

import io.netmap4j.core.ValePortId;
import io.netmap4j.core.ValeInterface;
import io.netmap4j.abi.Errno;
import io.netmap4j.abi.ErrnoException;
import io.netmap4j.core.NetmapException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The netmap control requests that do not register a port, as the {@code vale-ctl} tool makes
 * them: port and memory-region information, VALE switch management, virtio-net header length.
 * It holds one open descriptor of {@code /dev/netmap}; close it when done.
 *
 * <p>Arguments are checked before any system call, with an {@link IllegalArgumentException}
 * that names the bad value. Kernel errors come as {@link NetmapException} (or its subclasses
 * {@link io.netmap4j.core.NoSuchPortException} and {@link io.netmap4j.core.PortBusyException}).
 * Each request uses memory of its own, so one instance may serve several threads; only
 * {@link #close()} must not race with a request.
 *
 * <h2>A netmap bug with persistent VALE interfaces</h2>
 * A persistent VALE interface ({@link #valeNewIf}) attached to a switch as {@code valeX:Y} is
 * renamed {@code Y} inside the module by the next PORT_INFO_GET of it (under either name) and by
 * the first REGISTER of it (opening {@code valeX:Y}), because netmap_update_config copies the
 * interface's name into the port's. From then on VALE_DETACH cannot find {@code valeX:Y} (ENXIO)
 * and the port stays on the switch until the module is reloaded. Netmap's own vale-ctl and
 * pkt-gen trigger it the same way. This class never makes such a request on its own; it refuses
 * {@link #portInfo} for an attached interface that it created (ask before attaching, or use what
 * {@link #valeNewIf} answered), and {@link #valeDetach} says when a port was renamed. NICs
 * attached to a switch are not affected.
 */
public final class NetmapControl implements AutoCloseable {
    /** Persistent VALE interfaces made by {@link #valeNewIf} in this JVM and not deleted since. */
    private static final Set<String> PERSISTENT_HERE = ConcurrentHashMap.newKeySet();

    private final KernelCalls calls;
    private final String devicePath;
    private final int fd;
    private volatile boolean closed;

    private NetmapControl(KernelCalls calls, String devicePath, int fd) {
        this.calls = calls;
        this.devicePath = devicePath;
        this.fd = fd;
    }

    /** Opens {@code /dev/netmap} for control requests. */
    public static NetmapControl open() throws NetmapException {
        return open(KernelCalls.LIBC, KernelCalls.DEVICE);
    }

    static NetmapControl open(KernelCalls calls, String devicePath) throws NetmapException {
        try {
            return new NetmapControl(calls, devicePath, calls.open(devicePath));
        } catch (ErrnoException e) {
            throw KernelErrors.deviceOpen(devicePath, e);
        }
    }

    /**
     * PORT_INFO_GET: the memory region and ring geometry of a port, without registering it.
     * The kernel creates what opening would create (a pipe's parent, an ephemeral VALE port) for
     * the time of the request.
     *
     * @param name a port name as the kernel knows it ({@code eth0}, {@code vale0:a}, <code>x{1</code>);
     *             a leading {@code netmap:} is dropped
     */
    public PortInfo portInfo(String name) throws NetmapException {
        String bare = interfaceName(name);
        if (PERSISTENT_HERE.contains(bare) && attachedAs(bare) != null) {
            throw new NetmapException("get port info of " + name + " refused: " + bare + " is a persistent VALE "
                    + "interface attached to a switch, and netmap would rename its port to " + bare + " (a netmap "
                    + "bug), after which it cannot be detached. Ask before attaching it, or use what valeNewIf "
                    + "answered");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = ControlRequests.portInfoGet(arena, name);
            send(r, "get port info of", name);
            return ControlRequests.portInfo(r);
        }
    }

    /** POOLS_INFO_GET: the layout of the memory region that port {@code name} uses. */
    public PoolsInfo poolsInfo(String name) throws NetmapException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = ControlRequests.poolsInfoGet(arena, name);
            send(r, "get memory pools of", name);
            return ControlRequests.poolsInfo(r);
        }
    }

    /**
     * VALE_ATTACH: attaches interface {@code port} (a NIC, or a persistent VALE port made with
     * {@link #valeNewIf}) to switch {@code valeSwitch}, with its NIC rings only, like
     * {@code vale-ctl -a vale0:eth0}. The switch is created if needed. Opening an attached
     * persistent VALE port makes it undetachable (see the class comment).
     *
     * @param valeSwitch the switch, {@code vale} plus an optional identifier, e.g. {@code vale0}
     * @param port       the interface name, e.g. {@code eth0}
     * @return the port's index on the switch
     */
    public int valeAttach(String valeSwitch, String port) throws NetmapException {
        return valeAttach(valeSwitch, port, false, 0);
    }

    /**
     * VALE_ATTACH with the host rings too ({@code vale-ctl -h}) when {@code withHostStack} is
     * true, so the host network stack becomes one more port of the switch, and in memory region
     * {@code memId} (0: the interface's own).
     */
    public int valeAttach(String valeSwitch, String port, boolean withHostStack, int memId) throws NetmapException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = ControlRequests.valeAttach(arena, valeSwitch, port,
                    withHostStack ? ControlRequests.ATTACH_NIC_AND_HOST : ControlRequests.ATTACH_NIC, memId);
            send(r, "attach", ControlRequests.name(r));
            return ControlRequests.valeAttachPortIndex(r);
        }
    }

    /**
     * VALE_DETACH: detaches an interface from its switch, like {@code vale-ctl -d vale0:eth0}.
     *
     * @param name the full name, {@code valeSWITCH:PORT}
     * @return the index the port had on the switch
     */
    public int valeDetach(String name) throws NetmapException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = ControlRequests.valeDetach(arena, name);
            try {
                send(r, "detach", name);
            } catch (NetmapException e) {
                String bare = interfaceName(name);
                if (e.errno() == Errno.ENXIO && !bare.equals(name) && listedAs(bare)) {
                    throw new NetmapException("detach " + name + " failed: netmap renamed the port to " + bare
                            + " when it was opened or asked for its port info while attached (a netmap bug with "
                            + "persistent VALE interfaces), and cannot find it under " + name + " any more; it "
                            + "stays on the switch until the netmap module is reloaded", Errno.ENXIO, e);
                }
                throw e;
            }
            return ControlRequests.valeDetachPortIndex(r);
        }
    }

    /** The interface part of a port name: {@code Y} of {@code valeX:Y}, or the name without {@code netmap:}. */
    private static String interfaceName(String name) {
        String n = name.startsWith("netmap:") ? name.substring("netmap:".length()) : name;
        int colon = n.indexOf(':');
        return n.startsWith("vale") && colon > 0 ? n.substring(colon + 1) : n;
    }

    /** The full name under which interface {@code bare} is attached to a switch, or null. */
    private String attachedAs(String bare) throws NetmapException {
        for (ValePortId p : valeList()) {
            if (p.name().endsWith(":" + bare) && p.name().startsWith("vale")) {
                return p.name();
            }
        }
        return null;
    }

    /** True if a switch lists a port under the bare name {@code bare}: a renamed one. */
    private boolean listedAs(String bare) throws NetmapException {
        for (ValePortId p : valeList()) {
            if (p.name().equals(bare)) {
                return true;
            }
        }
        return false;
    }

    /**
     * VALE_LIST over every switch: each port attached to a VALE switch, in the kernel's order
     * (switch index, then port index). Empty when there is no switch.
     */
    public List<ValePortId> valeList() throws NetmapException {
        if (closed) {
            throw new NetmapException("list VALE ports: this NetmapControl is closed");
        }
        List<ValePortId> ports = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = ControlRequests.valeList(arena);
            // The cursor protocol: an empty name asks for the first port at or after the cursor;
            // the kernel writes that port's name and indices back, and ENOENT marks the end.
            while (true) {
                try {
                    calls.control(fd, r);
                } catch (ErrnoException e) {
                    if (e.errno() == Errno.ENOENT) {
                        return ports;
                    }
                    throw KernelErrors.control("list", "VALE ports", devicePath, e);
                }
                ports.add(ControlRequests.valeListEntry(r));
                ControlRequests.valeListAdvance(r);
            }
        }
    }

    /**
     * VALE_NEWIF: creates a persistent VALE port (an interface that lives until
     * {@link #valeDelIf}); attach it to a switch with {@link #valeAttach(String, String)}.
     * A 0 asks for the default.
     *
     * @param name the interface name: 1 to 15 bytes, not starting with {@code vale}
     * @return what the kernel created
     */
    public ValeInterface valeNewIf(String name, int txSlots, int rxSlots, int txRings, int rxRings, int memId)
            throws NetmapException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = ControlRequests.valeNewIf(arena, name, txSlots, rxSlots, txRings, rxRings, memId);
            send(r, "create VALE interface", name);
            PERSISTENT_HERE.add(name);
            return ControlRequests.valeInterface(r);
        }
    }

    /** VALE_DELIF: deletes a persistent VALE port made with {@link #valeNewIf}; it must be detached and unused. */
    public void valeDelIf(String name) throws NetmapException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = ControlRequests.valeDelIf(arena, name);
            send(r, "delete VALE interface", name);
            PERSISTENT_HERE.remove(name);
        }
    }

    /** PORT_HDR_GET: the length of the virtio-net header that frames of port {@code name} carry (0, 10 or 12). */
    public int portHdrGet(String name) throws NetmapException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = ControlRequests.portHdrGet(arena, name);
            send(r, "get the virtio-net header length of", name);
            return ControlRequests.portHdrLength(r);
        }
    }

    /**
     * PORT_HDR_SET: sets the virtio-net header length of a VALE port.
     *
     * @param length 0 (none), 10 or 12
     * @throws IllegalArgumentException for any other length, before any system call
     */
    public void portHdrSet(String name, int length) throws NetmapException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = ControlRequests.portHdrSet(arena, name, length);
            send(r, "set the virtio-net header length of", name);
        }
    }

    private void send(MemorySegment request, String action, String name) throws NetmapException {
        if (closed) {
            throw new NetmapException(action + " " + name + ": this NetmapControl is closed");
        }
        try {
            calls.control(fd, request);
        } catch (ErrnoException e) {
            throw KernelErrors.control(action, name, devicePath, e);
        }
    }

    /** Closes the descriptor. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            calls.closeQuietly(fd);
        }
    }
}
