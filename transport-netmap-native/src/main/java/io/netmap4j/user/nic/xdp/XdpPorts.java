package io.netmap4j.user.nic.xdp;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.ErrnoException;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.core.PortBusyException;
import io.netmap4j.user.nic.NicPort;
import io.netmap4j.user.nic.NicRegion;
import io.netmap4j.user.nic.NicRequest;

import static io.netmap4j.user.nic.xdp.XdpAbi.XDP_COPY;
import static io.netmap4j.user.nic.xdp.XdpAbi.XDP_USE_NEED_WAKEUP;
import static io.netmap4j.user.nic.xdp.XdpAbi.XDP_USE_SG;
import static io.netmap4j.user.nic.xdp.XdpAbi.XDP_ZEROCOPY;

/**
 * Opens NIC ports over AF_XDP: the interface's XDP program (shared by the JVM's ports of that
 * interface), then one socket per bound queue, the first registering the port's buffer area as
 * UMEM and the others sharing it, each entered in the XSKMAP at its queue. The socket binds in
 * the best mode the driver grants, in this order: zero-copy, copy; with multi-buffer frames and
 * need_wakeup where the kernel has them. Every step is undone if a later one fails.
 */
public final class XdpPorts {
    private XdpPorts() { }

    private static final int[] MODES = {
        XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP | XDP_USE_SG,
        XDP_COPY | XDP_USE_NEED_WAKEUP | XDP_USE_SG,
        XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP,
        XDP_COPY | XDP_USE_NEED_WAKEUP,
        XDP_COPY,
    };

    public static NicPort open(NicRequest req) throws NetmapException {
        var nif = req.nif();
        NicRegion region = req.newRegion(req.rxSlots()); // as many again for the kernel: bursts wait in the XSK RX ring
        XdpAttachment attachment = null;
        XdpQueue[] queues = new XdpQueue[req.queueCount()];
        int opened = 0;
        try {
            if (req.bindRx()) {
                attachment = XdpAttachment.acquire(nif, req.what());
            }
            XskSocket first = null;
            String zeroCopyRefusal = null;
            for (int i = 0; i < queues.length; i++) {
                int q = req.firstQueue() + i;
                int fill = pow2(req.rxSlots() + region.spareRxBuffers());
                int ring = pow2(2 * req.txSlots());
                XskSocket s;
                if (first == null) {
                    s = null;
                    ErrnoException last = null;
                    for (int mode : MODES) {
                        if ((mode & XDP_USE_SG) != 0 && attachment != null && !attachment.multiBuffer) {
                            continue;
                        }
                        try {
                            s = openWaitingForRelease(region, -1, nif.index(), q, fill, ring, mode);
                            break;
                        } catch (ErrnoException e) {
                            if (e.errno() == Errno.EBUSY) {
                                throw queueBusy(req, q);
                            }
                            if ((mode & XDP_ZEROCOPY) != 0 && zeroCopyRefusal == null) {
                                zeroCopyRefusal = Errno.describe(e.errno());
                            }
                            last = e;
                        }
                    }
                    if (s == null) {
                        throw failure(req, last);
                    }
                    first = s;
                } else {
                    try {
                        s = openWaitingForRelease(region, first.fd, nif.index(), q, fill, ring, 0);
                    } catch (ErrnoException e) {
                        if (e.errno() == Errno.EBUSY) {
                            throw queueBusy(req, q);
                        }
                        throw failure(req, e);
                    }
                }
                NetmapRing tx = req.bindTx() ? new NetmapRing(region.mem(), region.txRingOffset(i), q, true) : null;
                NetmapRing rx = req.bindRx() ? new NetmapRing(region.mem(), region.rxRingOffset(i), q, false) : null;
                try {
                    queues[i] = new XdpQueue(req.queueName(q), q, i, region, tx, rx, s, nif);
                } catch (RuntimeException e) {
                    s.close();
                    throw e;
                }
                opened++;
                if (attachment != null) {
                    try {
                        Bpf.updateElem(attachment.mapFd, q, s.fd);
                    } catch (ErrnoException e) {
                        throw failure(req, e);
                    }
                }
            }
            if ((first.bindFlags & XDP_USE_SG) == 0 && req.bindRx() && nif.maxFrame() > NicRegion.XDP_FRAME_ROOM) {
                System.getLogger(XdpPorts.class.getName()).log(System.Logger.Level.WARNING, req.what() + ": " + nif.name()
                        + " takes frames of up to " + nif.maxFrame() + " B at its MTU, but this kernel has no AF_XDP "
                        + "multi-buffer frames: it drops what is longer than " + NicRegion.XDP_FRAME_ROOM + " B. "
                        + nif.largeFrameAdvice(NicRegion.XDP_FRAME_ROOM) + ", or use AF_PACKET (-Dnetmap4j.nic=packet)");
            }
            XdpAttachment a = attachment;
            String mechanism = "AF_XDP (" + (first.zeroCopy ? "zero-copy" : "copy mode"
                    + (zeroCopyRefusal != null ? ", zero-copy refused: " + zeroCopyRefusal : ""))
                    + ((first.bindFlags & XDP_USE_SG) != 0 ? ", multi-buffer" : "") + ")";
            return NicPort.create(req.spec(), req.backend(), region, req.memId(), queues, req.txPoll(), nif, mechanism,
                    () -> {
                        if (a != null) {
                            a.release();
                        }
                    });
        } catch (NetmapException | RuntimeException e) {
            for (int i = 0; i < opened; i++) {
                queues[i].close();
            }
            if (attachment != null) {
                attachment.release();
            }
            region.close();
            throw e;
        }
    }

    /**
     * Opens a socket; on EBUSY tries again for up to half a second, because the kernel lets go of
     * a queue some time after the socket that held it was closed (a port reopened at once).
     */
    private static XskSocket openWaitingForRelease(NicRegion region, int shareWith, int ifindex, int q, int fill,
                                                   int ring, int mode) throws ErrnoException {
        for (int attempt = 0; ; attempt++) {
            try {
                return XskSocket.open(region, shareWith, ifindex, q, fill, fill, ring, ring, mode);
            } catch (ErrnoException e) {
                if (e.errno() != Errno.EBUSY || attempt == 25) {
                    throw e;
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static int pow2(int n) {
        return Integer.highestOneBit(Math.max(2, n) - 1) << 1;
    }

    private static PortBusyException queueBusy(NicRequest req, int q) {
        return new PortBusyException(req.what() + " failed: queue " + q + " of " + req.nif().name()
                + " is already bound to an AF_XDP socket (another port of this or another process)", Errno.EBUSY, null);
    }

    private static NetmapException failure(NicRequest req, ErrnoException e) {
        String hint = switch (e.errno()) {
            case Errno.EAFNOSUPPORT -> ": this kernel has no AF_XDP sockets (CONFIG_XDP_SOCKETS)";
            case Errno.EPERM, Errno.EACCES -> ": AF_XDP sockets need CAP_NET_RAW, and their UMEM locked memory "
                    + "(CAP_IPC_LOCK or a higher RLIMIT_MEMLOCK)";
            case Errno.ENOMEM, Errno.ENOBUFS -> ": the UMEM could not be locked in memory; raise RLIMIT_MEMLOCK "
                    + "(ulimit -l) or ask for fewer slots";
            default -> "";
        };
        return new NetmapException(req.what() + " failed over AF_XDP (" + e.getMessage() + ")" + hint
                + "; AF_PACKET works without it (-Dnetmap4j.nic=packet, or auto)", e.errno(), e);
    }
}
