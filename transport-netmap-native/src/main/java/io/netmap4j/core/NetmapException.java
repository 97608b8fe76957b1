package io.netmap4j.core;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.ErrnoException;

import java.io.IOException;

/**
 * A netmap operation failed. The message says what happened, to which port, and what to do
 * about it; {@link #errno()} keeps the kernel's (or the user backend's) error number, 0 when
 * there is none.
 */
public class NetmapException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public NetmapException(String message) {
        this(message, 0, null);
    }

    public NetmapException(String message, Throwable cause) {
        this(message, 0, cause);
    }

    public NetmapException(String message, int errno, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    /** The error number behind this failure, or 0. */
    public int errno() {
        return errno;
    }

    /**
     * Turns the errno of a failed request on {@code port} into the exception a user can act
     * on: which port, what the error means for netmap, and a hint where there is one.
     *
     * @param action what was being done, for example {@code "register"}
     */
    public static NetmapException of(String action, String port, ErrnoException e) {
        return of(action, port, e, null);
    }

    /**
     * Like {@link #of(String, String, ErrnoException)}, with {@code detail} (when not null)
     * appended to the message: what the caller knows about this failure that the errno alone
     * cannot say, for example the ring size that was asked for when the kernel answers ENOMEM.
     */
    public static NetmapException of(String action, String port, ErrnoException e, String detail) {
        int errno = e.errno();
        String what = action + " " + port + " failed (" + Errno.describe(errno) + ")";
        String more = detail == null || detail.isEmpty() ? "" : ". " + detail;
        return switch (errno) {
            case Errno.ENOENT, Errno.ENXIO, Errno.ENODEV -> new NoSuchPortException(
                    what + ": no such port. Check the interface name (ip link), the pipe or VALE name, "
                            + "and that the netmap module knows the interface" + more, errno, e);
            case Errno.EBUSY -> new PortBusyException(
                    what + ": the port is busy, opened exclusively (/x) by someone else, or this descriptor "
                            + "is already bound" + more, errno, e);
            case Errno.ENOMEM -> new NetmapException(
                    what + ": netmap could not allocate the rings or buffers asked for. Ask for fewer or "
                            + "smaller rings (@conf:slots=), or raise the module's limits "
                            + "(/sys/module/netmap/parameters/ring_size, buf_num, priv_ring_size)" + more, errno, e);
            case Errno.EINVAL, Errno.EOPNOTSUPP -> new NetmapException(
                    what + ": the port cannot be opened this way (ring mode, flags, options or API version "
                            + "not supported by this port or kernel)" + more, errno, e);
            case Errno.EPERM, Errno.EACCES -> new NetmapException(
                    what + ": permission denied. /dev/netmap usually needs root or CAP_NET_ADMIN" + more, errno, e);
            default -> new NetmapException(what + more, errno, e);
        };
    }
}
