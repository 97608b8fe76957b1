package io.netmap4j.user.nic.xdp;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.ErrnoException;
import io.netmap4j.abi.LibC;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.PortBusyException;
import io.netmap4j.user.nic.NetInterface;

import java.util.HashMap;
import java.util.Map;

/**
 * The XDP program and XSKMAP of one interface, shared by every NIC port of this JVM on that
 * interface (one per queue, for example), counted, and detached with the last one. The program
 * is attached with a BPF link, which the kernel removes when the process dies, so a crash leaves
 * the interface as it was; where BPF links for XDP are missing (kernels before 5.9) it is
 * attached through netlink instead, and a later open removes a program that a dead process of
 * ours left behind (its name carries that process's id).
 *
 * <p>A program attached by anybody else is never replaced: that is a {@link PortBusyException}.
 */
final class XdpAttachment {
    private static final System.Logger LOG = System.getLogger(XdpAttachment.class.getName());
    /** Program names start with this, then the process id. */
    static final String NAME_PREFIX = "nm4j_";
    private static final Map<Integer, XdpAttachment> BY_IFINDEX = new HashMap<>();

    final NetInterface nif;
    final int mapFd;
    final int progFd;
    /** The BPF link's fd, or -1 when attached through netlink. */
    private final int linkFd;
    final boolean multiBuffer;
    private int users;

    private XdpAttachment(NetInterface nif, int mapFd, int progFd, int linkFd, boolean multiBuffer) {
        this.nif = nif;
        this.mapFd = mapFd;
        this.progFd = progFd;
        this.linkFd = linkFd;
        this.multiBuffer = multiBuffer;
    }

    /** The attachment of {@code nif}, made if this JVM has none yet; each call needs one {@link #release()}. */
    static synchronized XdpAttachment acquire(NetInterface nif, String what) throws NetmapException {
        XdpAttachment a = BY_IFINDEX.get(nif.index());
        if (a == null) {
            a = attach(nif, what);
            BY_IFINDEX.put(nif.index(), a);
        }
        a.users++;
        return a;
    }

    /** One user less; the last detaches the program and frees the map. */
    void release() {
        // detached under the lock too: an acquire that comes right after must not meet our program
        synchronized (XdpAttachment.class) {
            if (--users > 0) {
                return;
            }
            BY_IFINDEX.remove(nif.index());
            detach();
        }
    }

    private void detach() {
        if (linkFd >= 0) {
            LibC.closeQuietly(linkFd);
        } else {
            try {
                NetlinkXdp.detach(nif.index(), progFd);
            } catch (ErrnoException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot detach the XDP program of netmap4j from " + nif.name()
                        + " (" + e.getMessage() + "); remove it with: ip link set " + nif.name() + " xdp off");
            }
        }
        LibC.closeQuietly(progFd);
        LibC.closeQuietly(mapFd);
    }

    private static XdpAttachment attach(NetInterface nif, String what) throws NetmapException {
        String name = NAME_PREFIX + ProcessHandle.current().pid();
        int queues = Math.max(nif.rxQueues(), nif.txQueues());
        int mapFd = -1;
        int progFd = -1;
        try {
            mapFd = Bpf.createXskMap(queues, "nm4j_xsks");
            boolean frags = true;
            try {
                progFd = Bpf.loadXdp(mapFd, name, XdpAbi.BPF_F_XDP_HAS_FRAGS);
            } catch (ErrnoException e) {
                frags = false; // kernels before 5.18 do not know the flag
                progFd = Bpf.loadXdp(mapFd, name, 0);
            }
            int linkFd = -1;
            if (!linksDisabled()) {
                try {
                    linkFd = link(nif, progFd, what);
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.EINVAL && e.errno() != Errno.EOPNOTSUPP) {
                        throw e;
                    }
                    // no BPF links for XDP on this kernel: netlink below
                }
            }
            if (linkFd < 0) {
                NetlinkXdp.attach(nif, progFd, what);
            }
            return new XdpAttachment(nif, mapFd, progFd, linkFd, frags);
        } catch (ErrnoException e) {
            LibC.closeQuietly(progFd);
            LibC.closeQuietly(mapFd);
            if (e.errno() == Errno.EBUSY || e.errno() == Errno.EEXIST) {
                throw busy(nif, what);
            }
            String hint = e.errno() == Errno.EPERM || e.errno() == Errno.EACCES
                    ? ": loading and attaching an XDP program needs CAP_BPF and CAP_NET_ADMIN (or CAP_SYS_ADMIN; root "
                    + "has them)"
                    : "";
            throw new NetmapException(what + " failed: cannot set up the XDP program on " + nif.name() + " ("
                    + e.getMessage() + ")" + hint + "; AF_PACKET works without it (-Dnetmap4j.nic=packet, or auto)",
                    e.errno(), e);
        } catch (NetmapException | RuntimeException e) {
            LibC.closeQuietly(progFd);
            LibC.closeQuietly(mapFd);
            throw e;
        }
    }

    /** A BPF link; on EBUSY, once more after removing a program that a dead netmap4j process left. */
    private static int link(NetInterface nif, int progFd, String what) throws ErrnoException, NetmapException {
        try {
            return Bpf.linkXdp(progFd, nif.index());
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EBUSY && e.errno() != Errno.EEXIST) {
                throw e;
            }
            if (!NetlinkXdp.removeStale(nif)) {
                throw busy(nif, what);
            }
            return Bpf.linkXdp(progFd, nif.index());
        }
    }

    /** For tests of the netlink path on kernels that have links: {@code -Dnetmap4j.xdp.netlink=true}. */
    private static boolean linksDisabled() {
        return Boolean.getBoolean("netmap4j.xdp.netlink");
    }

    static PortBusyException busy(NetInterface nif, String what) {
        return new PortBusyException(what + " failed: another XDP program is attached to " + nif.name()
                + " (by another process or tool); netmap4j never replaces it. Detach it (ip link set " + nif.name()
                + " xdp off), or open the interface through AF_PACKET (-D" + "netmap4j.nic=packet)",
                Errno.EBUSY, null);
    }
}
