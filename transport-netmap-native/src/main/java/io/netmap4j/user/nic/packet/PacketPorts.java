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
 * Opens NIC ports over AF_PACKET: one socket per bound queue. On a multi-queue interface each
 * socket keeps the frames of its own RX queue with a classic BPF socket filter on the queue the
 * driver recorded, so ring k gets queue k whether the port binds all rings or one
 * ({@code IF-N}), and ports of different queues may be opened independently. (PACKET_FANOUT in
 * its queue mode would spread frames over sockets in the order they joined, which independent
 * {@code IF-N} ports cannot agree on, and it reads the queue the same way.) TX goes out on
 * whatever queue the kernel picks: AF_PACKET cannot choose.
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
            // drivers record RX queue q as q + 1 (0: not recorded); veth hands over the sender's TX
            // queue number as it is
            int recorded = multiQueue && "veth".equals(req.nif().driver()) ? 0 : 1;
            for (int i = 0; i < queues.length; i++) {
                int q = req.firstQueue() + i;
                PacketSocket s;
                try {
                    s = PacketSocket.open(req.nif().index(), blocks(req.rxSlots()), multiQueue ? q + recorded : -1,
                            req.bindRx());
                } catch (ErrnoException e) {
                    throw failure(req, e);
                }
                NetmapRing tx = req.bindTx() ? new NetmapRing(region.mem(), region.txRingOffset(i), q, true) : null;
                NetmapRing rx = req.bindRx() ? new NetmapRing(region.mem(), region.rxRingOffset(i), q, false) : null;
                queues[i] = new PacketQueue(req.queueName(q), q, region, tx, rx, s, req.nif());
                opened++;
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
