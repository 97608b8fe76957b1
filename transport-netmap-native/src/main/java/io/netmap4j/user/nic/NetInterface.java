package io.netmap4j.user.nic;

import io.netmap4j.abi.ErrnoException;
import io.netmap4j.abi.LibC;
import io.netmap4j.abi.LinuxCalls;
import io.netmap4j.core.NoSuchPortException;

import java.io.File;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.netmap4j.user.nic.LinuxNet.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A network interface of this process's network namespace, as a NIC port needs to know it: its
 * index, MTU, and how many RX and TX queues it has. Read once, when a port opens.
 *
 * @param name     the interface name, for example {@code eth0}
 * @param index    its ifindex
 * @param mtu      its MTU in bytes (the L3 payload; a frame adds 14 bytes of Ethernet header, 18 with a VLAN tag)
 * @param rxQueues RX queues the kernel uses now ({@code real_num_rx_queues})
 * @param txQueues TX queues the kernel uses now
 */
public record NetInterface(String name, int index, int mtu, int rxQueues, int txQueues) {

    /** The longest frame the interface can receive at its MTU, with one VLAN tag, without the FCS. */
    public int maxFrame() {
        return mtu + 18;
    }

    /**
     * Looks the interface up.
     *
     * @param what what is being done, for messages, for example {@code "open netmap:eth0"}
     * @throws NoSuchPortException if there is no interface of that name in this network namespace
     */
    public static NetInterface lookup(String name, String what) throws NoSuchPortException {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        int index = bytes.length < IFNAMSIZ ? LinuxCalls.ifNameToIndex(name) : 0;
        if (index == 0) {
            throw new NoSuchPortException(what + " failed: there is no network interface \"" + name
                    + "\" in this network namespace. Check the name with `ip link`", io.netmap4j.abi.Errno.ENODEV, null);
        }
        int mtu = 1500;
        try {
            mtu = ifreqInt(name, SIOCGIFMTU);
        } catch (ErrnoException e) {
            // keep the Ethernet default; the MTU only sharpens messages and checks
        }
        return new NetInterface(name, index, mtu, queues(name, "rx-"), queues(name, "tx-"));
    }

    /** Queues of one direction, as sysfs lists them; 1 when sysfs does not say. */
    private static int queues(String name, String prefix) {
        String[] q = new File("/sys/class/net/" + name + "/queues").list((d, n) -> n.startsWith(prefix));
        return q == null || q.length == 0 ? 1 : q.length;
    }

    /** True if the interface is administratively up (IFF_UP). */
    public boolean isUp() {
        try {
            return (ifreqInt(name, SIOCGIFFLAGS) & IFF_UP) != 0;
        } catch (ErrnoException e) {
            return true; // cannot tell: do not complain
        }
    }

    /** The interface's MAC address (6 bytes), or null if it has none or it cannot be read. */
    public byte[] macAddress() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifr = ifreq(arena, name);
            if (ioctl(ifr, SIOCGIFHWADDR) < 0) {
                return null;
            }
            return ifr.asSlice(IFR_HWADDR_DATA, 6).toArray(JAVA_BYTE);
        }
    }

    /**
     * The receive offloads that are on and make the kernel hand over frames larger than the MTU
     * (GRO, LRO), as the {@code ethtool -K} words that turn them off, for example
     * {@code ["gro off", "lro off"]}; empty when none is on or it cannot be told.
     */
    public List<String> largeFrameOffloads() {
        List<String> on = new ArrayList<>();
        if (ethtool(ETHTOOL_GGRO) > 0) {
            on.add("gro off");
        }
        int flags = ethtool(ETHTOOL_GFLAGS);
        if (flags > 0 && (flags & ETH_FLAG_LRO) != 0) {
            on.add("lro off");
        }
        return on;
    }

    /** What to tell a user whose frames are larger than {@code limit} bytes. */
    public String largeFrameAdvice(int limit) {
        List<String> offloads = largeFrameOffloads();
        String mtuAdvice = maxFrame() > limit
                ? "lower the MTU to " + (limit - 18) + " or less (ip link set " + name + " mtu " + (limit - 18) + ")"
                : null;
        if (!offloads.isEmpty()) {
            return "turn off the receive offloads that merge frames (ethtool -K " + name + " " + String.join(" ", offloads)
                    + ")" + (mtuAdvice == null ? "" : " and " + mtuAdvice);
        }
        return mtuAdvice != null ? mtuAdvice : "check the MTU and offloads of " + name + " (ip link, ethtool -k)";
    }

    /** The name of the interface's driver (ETHTOOL_GDRVINFO), for example {@code veth}; "" if it does not say. */
    public String driver() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(ETHTOOL_DRVINFO_SIZE, 4);
            info.set(JAVA_INT, 0, ETHTOOL_GDRVINFO);
            MemorySegment ifr = ifreq(arena, name);
            ifr.set(java.lang.foreign.ValueLayout.ADDRESS, IFR_UNION, info);
            return ioctl(ifr, SIOCETHTOOL) < 0 ? "" : info.getString(ETHTOOL_DRVINFO_DRIVER);
        }
    }

    /** One ETHTOOL_G* value, or -1 if the driver does not answer. */
    private int ethtool(int cmd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(8, 4);
            value.set(JAVA_INT, 0, cmd);
            MemorySegment ifr = ifreq(arena, name);
            ifr.set(java.lang.foreign.ValueLayout.ADDRESS, IFR_UNION, value);
            return ioctl(ifr, SIOCETHTOOL) < 0 ? -1 : value.get(JAVA_INT, 4);
        }
    }

    private static int ifreqInt(String name, long request) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifr = ifreq(arena, name);
            int r = ioctl(ifr, request);
            if (r < 0) {
                throw new ErrnoException("ioctl(" + name + ")", -r);
            }
            return request == SIOCGIFFLAGS ? Short.toUnsignedInt(ifr.get(JAVA_SHORT, IFR_UNION))
                    : ifr.get(JAVA_INT, IFR_UNION);
        }
    }

    private static MemorySegment ifreq(Arena arena, String name) {
        MemorySegment ifr = arena.allocate(IFREQ_SIZE, 8);
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        MemorySegment.copy(bytes, 0, ifr, JAVA_BYTE, IFR_NAME, Math.min(bytes.length, IFNAMSIZ - 1));
        return ifr;
    }

    /** An interface ioctl on a throw-away UDP socket (no privilege needed): 0, or {@code -errno}. */
    private static int ioctl(MemorySegment ifr, long request) {
        int fd;
        try {
            fd = LinuxCalls.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        } catch (ErrnoException e) {
            return -e.errno();
        }
        try {
            LibC.ioctl(fd, request, ifr);
            return 0;
        } catch (ErrnoException e) {
            return -e.errno();
        } finally {
            LibC.closeQuietly(fd);
        }
    }
}
