package io.netmap4j.kernel;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.ErrnoException;
import io.netmap4j.core.NetmapException;
import io.netmap4j.spec.PortSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.netmap4j.abi.NetmapConstants.NR_ACCEPT_VNET_HDR;

/**
 * Turns what the netmap kernel module answers into exceptions that say what to do, adding to
 * {@link NetmapException#of} what only the kernel backend knows: the device path, the ring
 * size that was asked for, the option the kernel rejected.
 */
final class KernelErrors {
    private KernelErrors() { }

    /** Not in {@link Errno}: an ioctl the file does not understand, i.e. the file is not netmap's device. */
    static final int ENOTTY = 25;
    /** Bytes of a ring header; each slot adds 16 (NETMAP-ABI.md, struct netmap_ring). */
    static final long RING_HEADER = 256;
    static final long SLOT_SIZE = 16;

    private static final Path MODULE_PARAMETERS = Path.of("/sys/module/netmap/parameters");

    /** The control device could not be opened. */
    static NetmapException deviceOpen(String path, ErrnoException e) {
        return switch (e.errno()) {
            case Errno.ENOENT, Errno.ENODEV, Errno.ENXIO -> new NetmapException(path + " cannot be opened ("
                    + Errno.describe(e.errno()) + "): the netmap kernel module is not loaded. Load it with "
                    + "'modprobe netmap' (or 'insmod netmap.ko' from a netmap build), or use the user-space backend",
                    e.errno(), e);
            case Errno.EACCES, Errno.EPERM -> new NetmapException(path + " cannot be opened ("
                    + Errno.describe(e.errno()) + "): netmap needs root or CAP_NET_ADMIN; run as root, grant the "
                    + "capability, or give your user access to " + path + " with a udev rule", e.errno(), e);
            default -> new NetmapException(path + " cannot be opened (" + Errno.describe(e.errno()) + ")",
                    e.errno(), e);
        };
    }

    /**
     * REGISTER (or a step of opening, such as resolving {@code @share}) failed for {@code spec}.
     *
     * @param rejectedOptions the options whose {@code nro_status} is not 0, already described, or null
     */
    static NetmapException register(String action, PortSpec spec, String devicePath, ErrnoException e,
                                    String rejectedOptions) {
        StringBuilder detail = new StringBuilder();
        if (rejectedOptions != null) {
            detail.append("The kernel rejected ").append(rejectedOptions);
        }
        String more = switch (e.errno()) {
            case Errno.ENOMEM -> ringSizeHint(spec);
            case Errno.EIO -> (spec.flags() & NR_ACCEPT_VNET_HDR) == 0
                    ? "The port may carry a virtio-net header (see NetmapControl.portHdrGet); open it with "
                            + "NR_ACCEPT_VNET_HDR or set the header length to 0 with NetmapControl.portHdrSet"
                    : null;
            case Errno.EINVAL -> spec.memId() != 0
                    ? "Check that memory region " + spec.memId() + " (@" + spec.memId() + ") exists, "
                            + "for example with NetmapControl.portInfo on a port that uses it"
                    : null;
            case ENOTTY -> notNetmap(devicePath);
            default -> null;
        };
        if (more != null) {
            if (!detail.isEmpty()) {
                detail.append(". ");
            }
            detail.append(more);
        }
        return NetmapException.of(action, spec.toString(), e, detail.isEmpty() ? null : detail.toString());
    }

    /** A control request (PORT_INFO_GET, VALE_*, PORT_HDR_*) failed for {@code name}. */
    static NetmapException control(String action, String name, String devicePath, ErrnoException e) {
        String detail = switch (e.errno()) {
            case ENOTTY -> notNetmap(devicePath);
            case Errno.EEXIST -> "An interface with that name exists already";
            default -> null;
        };
        return NetmapException.of(action, name, e, detail);
    }

    /** NIOCTXSYNC or NIOCRXSYNC failed; only called off the fast path, once an error is known. */
    static NetmapException sync(String action, String port, int errno) {
        ErrnoException e = new ErrnoException("ioctl(" + action + ")", errno);
        if (errno == Errno.EBADF) {
            return new NetmapException(action + " on " + port + " failed: the port is closed", errno, e);
        }
        return NetmapException.of(action, port, e);
    }

    private static String notNetmap(String devicePath) {
        return devicePath + " does not answer netmap requests: it is not the netmap control device";
    }

    /**
     * Why ENOMEM usually happens: a ring object (256 + 16 bytes per slot) larger than the
     * module's {@code ring_size} (global region) or {@code priv_ring_size} (pipes, VALE).
     */
    static String ringSizeHint(PortSpec spec) {
        int slots = Math.max(spec.txSlots(), spec.rxSlots());
        StringBuilder b = new StringBuilder();
        if (slots > 0) {
            b.append("Each ring of ").append(slots).append(" slots needs ").append(RING_HEADER).append(" + ")
                    .append(SLOT_SIZE).append(" x ").append(slots).append(" = ")
                    .append(ringBytes(slots)).append(" bytes");
        } else {
            b.append("Each ring with the interface's current number of slots N (ethtool -g) needs ")
                    .append(RING_HEADER).append(" + ").append(SLOT_SIZE).append(" x N bytes");
        }
        String ringSize = moduleParameter("ring_size");
        String privRingSize = moduleParameter("priv_ring_size");
        if (ringSize != null || privRingSize != null) {
            b.append("; the module allows ring_size=").append(ringSize == null ? "?" : ringSize)
                    .append(" bytes (NIC rings) and priv_ring_size=").append(privRingSize == null ? "?" : privRingSize)
                    .append(" bytes (pipes, VALE)");
        }
        return b.toString();
    }

    /** Bytes of a ring object with {@code slots} slots. */
    static long ringBytes(long slots) {
        return RING_HEADER + SLOT_SIZE * slots;
    }

    private static String moduleParameter(String name) {
        try {
            return Files.readString(MODULE_PARAMETERS.resolve(name)).strip();
        } catch (IOException | SecurityException e) {
            return null;
        }
    }
}
