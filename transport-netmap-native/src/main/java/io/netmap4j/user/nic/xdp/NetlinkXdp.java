package io.netmap4j.user.nic.xdp;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.ErrnoException;
import io.netmap4j.abi.LibC;
import io.netmap4j.abi.LinuxCalls;
import io.netmap4j.core.NetmapException;
import io.netmap4j.user.nic.NetInterface;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static io.netmap4j.user.nic.LinuxNet.AF_NETLINK;
import static io.netmap4j.user.nic.LinuxNet.SOCK_CLOEXEC;
import static io.netmap4j.user.nic.LinuxNet.SOCK_RAW;
import static io.netmap4j.user.nic.xdp.XdpAbi.*;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * XDP attachment through rtnetlink (RTM_SETLINK with IFLA_XDP), for kernels without BPF links
 * for XDP, and the removal of a program that a netmap4j process attached that way and left
 * behind when it died (a program named {@code nm4j_PID} whose process is gone).
 */
final class NetlinkXdp {
    private NetlinkXdp() { }

    /** Attaches {@code progFd} unless a program is there; removes a dead netmap4j's program first. */
    static void attach(NetInterface nif, int progFd, String what) throws ErrnoException, NetmapException {
        int r = setXdp(nif.index(), progFd, XDP_FLAGS_UPDATE_IF_NOEXIST, -1);
        if (r == -Errno.EBUSY || r == -Errno.EEXIST) {
            if (!removeStale(nif)) {
                throw XdpAttachment.busy(nif, what);
            }
            r = setXdp(nif.index(), progFd, XDP_FLAGS_UPDATE_IF_NOEXIST, -1);
        }
        if (r < 0) {
            throw new ErrnoException("netlink RTM_SETLINK IFLA_XDP", -r);
        }
    }

    /** Detaches our program, and only ours (XDP_FLAGS_REPLACE with it as the expected one). */
    static void detach(int ifindex, int progFd) throws ErrnoException {
        int r = setXdp(ifindex, -1, XDP_FLAGS_REPLACE, progFd);
        if (r < 0 && r != -Errno.EEXIST) {
            throw new ErrnoException("netlink RTM_SETLINK IFLA_XDP (detach)", -r);
        }
    }

    /**
     * Removes the XDP program of {@code nif} if a netmap4j process that no longer runs attached it.
     *
     * @return true if one was removed
     */
    static boolean removeStale(NetInterface nif) {
        int id;
        try {
            id = attachedProgramId(nif.index());
        } catch (ErrnoException e) {
            return false;
        }
        if (id == 0) {
            return false;
        }
        int fd = -1;
        try {
            fd = Bpf.progFdById(id);
            String name = Bpf.progName(fd);
            if (!name.startsWith(XdpAttachment.NAME_PREFIX)) {
                return false;
            }
            long pid;
            try {
                pid = Long.parseLong(name.substring(XdpAttachment.NAME_PREFIX.length()));
            } catch (NumberFormatException e) {
                return false;
            }
            if (pid == ProcessHandle.current().pid() || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                return false; // its owner lives (in another JVM, or ours through another path)
            }
            return setXdp(nif.index(), -1, XDP_FLAGS_REPLACE, fd) == 0;
        } catch (ErrnoException e) {
            return false;
        } finally {
            LibC.closeQuietly(fd);
        }
    }

    /** The id of the XDP program attached to {@code ifindex}, 0 if none. */
    static int attachedProgramId(int ifindex) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment req = arena.allocate(NLMSG_HDRLEN + IFINFOMSG_SIZE, 4);
            header(req, RTM_GETLINK, NLM_F_REQUEST);
            req.set(JAVA_INT, NLMSG_HDRLEN + IFI_INDEX, ifindex);
            MemorySegment reply = arena.allocate(1 << 16, 4);
            long n = exchange(req, reply);
            if (n < NLMSG_HDRLEN || reply.get(JAVA_SHORT, 4) == NLMSG_ERROR) {
                int err = n >= NLMSG_HDRLEN + 4 ? reply.get(JAVA_INT, NLMSG_HDRLEN) : -Errno.EIO;
                throw new ErrnoException("netlink RTM_GETLINK", -err);
            }
            int len = Math.min(reply.get(JAVA_INT, 0), (int) n);
            for (int at = NLMSG_HDRLEN + IFINFOMSG_SIZE; at + 4 <= len; ) {
                int alen = Short.toUnsignedInt(reply.get(JAVA_SHORT, at));
                int type = reply.get(JAVA_SHORT, at + 2) & ~NLA_F_NESTED & 0xffff;
                if (alen < 4) {
                    break;
                }
                if (type == IFLA_XDP) {
                    for (int in = at + 4; in + 4 <= at + alen; ) {
                        int ilen = Short.toUnsignedInt(reply.get(JAVA_SHORT, in));
                        if (ilen < 4) {
                            break;
                        }
                        if (reply.get(JAVA_SHORT, in + 2) == IFLA_XDP_PROG_ID && ilen >= 8) {
                            return reply.get(JAVA_INT, in + 4);
                        }
                        in += (ilen + 3) & ~3;
                    }
                    return 0;
                }
                at += (alen + 3) & ~3;
            }
            return 0;
        }
    }

    /** RTM_SETLINK with IFLA_XDP {FD, FLAGS[, EXPECTED_FD]}: 0 or {@code -errno}. */
    private static int setXdp(int ifindex, int fd, int flags, int expectedFd) throws ErrnoException {
        try (Arena arena = Arena.ofConfined()) {
            int attrs = 8 + 8 + (expectedFd >= 0 ? 8 : 0);
            MemorySegment req = arena.allocate(NLMSG_HDRLEN + IFINFOMSG_SIZE + 4 + attrs, 4);
            header(req, RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK);
            req.set(JAVA_INT, NLMSG_HDRLEN + IFI_INDEX, ifindex);
            int at = NLMSG_HDRLEN + IFINFOMSG_SIZE;
            req.set(JAVA_SHORT, at, (short) (4 + attrs));
            req.set(JAVA_SHORT, at + 2, (short) (IFLA_XDP | NLA_F_NESTED));
            at = attr(req, at + 4, IFLA_XDP_FD, fd);
            at = attr(req, at, IFLA_XDP_FLAGS, flags);
            if (expectedFd >= 0) {
                attr(req, at, IFLA_XDP_EXPECTED_FD, expectedFd);
            }
            MemorySegment reply = arena.allocate(4096, 4);
            long n = exchange(req, reply);
            if (n < NLMSG_HDRLEN + 4 || reply.get(JAVA_SHORT, 4) != NLMSG_ERROR) {
                return -Errno.EIO;
            }
            return reply.get(JAVA_INT, NLMSG_HDRLEN); // 0 (the ack) or -errno
        }
    }

    private static void header(MemorySegment req, int type, int flags) {
        req.set(JAVA_INT, 0, (int) req.byteSize());
        req.set(JAVA_SHORT, 4, (short) type);
        req.set(JAVA_SHORT, 6, (short) flags);
        req.set(JAVA_INT, 8, 1); // sequence number
    }

    private static int attr(MemorySegment req, int at, int type, int value) {
        req.set(JAVA_SHORT, at, (short) 8);
        req.set(JAVA_SHORT, at + 2, (short) type);
        req.set(JAVA_INT, at + 4, value);
        return at + 8;
    }

    /** Sends one request on a fresh rtnetlink socket and reads the first reply. */
    private static long exchange(MemorySegment req, MemorySegment reply) throws ErrnoException {
        int fd = LinuxCalls.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        try {
            long sent = LinuxCalls.send(fd, req, 0);
            if (sent < 0) {
                throw new ErrnoException("netlink send", (int) -sent);
            }
            long n = LinuxCalls.recv(fd, reply, 0);
            if (n < 0) {
                throw new ErrnoException("netlink recv", (int) -n);
            }
            return n;
        } finally {
            LibC.closeQuietly(fd);
        }
    }
}
