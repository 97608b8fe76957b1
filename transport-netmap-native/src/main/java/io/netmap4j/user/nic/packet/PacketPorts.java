package io.netmap4j.user.nic.packet;

import io.netmap4j.abi.Errno;
import io.netmap4j.abi.ErrnoException;
import io.netmap4j.core.NetmapException;
import io.netmap4j.core.NetmapRing;
import io.netmap4j.user.nic.NicPort;
import io.netmap4j.user.nic.NicQueue;
import io.netmap4j.user.nic.NicRegion;
import io.netmap4j.user.nic.NicRequest;

/**
 * Opens NIC ports over AF_PACKET: one socket per bound queue. When a port binds several queues
 * of a multi-queue interface, its sockets form a PACKET_FANOUT group spreading frames by RX
 * queue (socket k joins k-th, so ring k gets queue k); a port of one queue ({@code IF-N}) of a
 * multi-queue interface keeps queue N's frames with a socket filter. TX goes out on whatever
 * queue the kernel picks: AF_PACKET cannot choose.
 */
public final class PacketPorts {
    private PacketPorts() { }

    /** RX blocks per queue (each {@link PacketSocket#BLOCK_SIZE} bytes): about one per 64 ring slots. */
    static int blocks(int rxSlots) {
        return Math.max(8, Math.min(64, rxSlots / 64));
    }

    public static NicPort open(NicRequest req) throws NetmapException {
        NicRegion region = req.newRegion(0);
        NicQueue[] queues = new NicQueue[req.queueCount()];
        int opened = 0;
        try {
            boolean multiQueue = req.nif().rxQueues() > 1;
            boolean fanout = multiQueue && req.queueCount() > 1 && req.bindRx();
            int group = 0;
            for (int i = 0; i < queues.length; i++) {
                int q = req.firstQueue() + i;
                PacketSocket s;
                try {
                    s = PacketSocket.open(req.nif().index(), blocks(req.rxSlots()), multiQueue && !fanout ? q : -1, req.bindRx());
                } catch (ErrnoException e) {
                    throw failure(req, e);
                }
                NetmapRing tx = req.bindTx() ? new NetmapRing(region.mem(), region.txRingOffset(i), q, true) : null;
                NetmapRing rx = req.bindRx() ? new NetmapRing(region.mem(), region.rxRingOffset(i), q, false) : null;
                queues[i] = new PacketQueue(req.queueName(q), q, region, tx, rx, s, req.nif());
                opened++;
                if (fanout) {
                    try {
                        group = s.joinFanout(group, i == 0);
                    } catch (ErrnoException e) {
                        throw failure(req, e);
                    }
                }
            }
            return NicPort.create(req.spec(), req.backend(), region, req.memId(), queues, req.txPoll(), req.nif(),
                    "AF_PACKET", () -> { });
        } catch (NetmapException | RuntimeException e) {
            for (int i = 0; i < opened; i++) {
                queues[i].close();
            }
            region.close();
            throw e;
        }
    }

    private static NetmapException failure(NicRequest req, ErrnoException e) {
        String hint = e.errno() == Errno.EPERM || e.errno() == Errno.EACCES
                ? ": AF_PACKET sockets need CAP_NET_RAW (run as root, or grant it: setcap cap_net_raw+ep on the java binary)"
                : e.errno() == Errno.ENETDOWN ? ": the interface is down (ip link set " + req.nif().name() + " up)" : "";
        return new NetmapException(req.what() + " failed over AF_PACKET (" + e.getMessage() + ")" + hint, e.errno(), e);
    }
}
